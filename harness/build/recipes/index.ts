/** Every kernel `kbench build` builds, in build order: one file each here, one line below. */
import alpineRecipe from './alpine.ts';
import debianArm64Recipe from './debian-arm64.ts';
import freebsdRecipe from './freebsd.ts';
import netbsdRecipe from './netbsd.ts';
import openbsdRecipe from './openbsd.ts';

export const BUILD_RECIPES = [alpineRecipe, freebsdRecipe, netbsdRecipe, openbsdRecipe, debianArm64Recipe] as const;
