import { readFileSync } from 'node:fs';
import { projectFile } from './root.ts';

const packageJson = JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { version: string };

export const KBENCH_VERSION: string = packageJson.version;
