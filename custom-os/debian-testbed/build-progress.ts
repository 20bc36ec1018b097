/**
 * Turns the builder's output (build-rootfs.sh's "KBENCH-STEP n N title" lines and DKMS's own
 * lines) into progress: step k of n, the DKMS build of each kernel, elapsed and an ETA.
 * Pure: the caller feeds lines and clock readings, so this is tested without building an image.
 *
 * The ETA scales durations recorded from a real uncached build (REFERENCE_SECONDS) by how fast
 * this build has gone so far: a machine twice as slow on the steps done is assumed twice as slow
 * on the rest. A step running past its recorded time counts as at most 95% done, so its ETA grows
 * instead of reaching zero too early.
 */
import type { BuildProgress } from '../../harness/progress/index.ts';

/**
 * Seconds per step. Steps 1-4 were measured in a real uncached build on this project's host
 * (Debian 12 x86_64, 2 vCPUs, OpenZFS 2.3.2 DKMS, 2026-12-01, at nice 19 beside other work,
 * load 5-20): debootstrap 42 s, sources + apt update 3 s, kernels 30 s, ZFS packages 10 s, the
 * first kernel's DKMS build 567 s. Steps 5-8 (configuration, copying kernels, mkfs.ext4 -d of the
 * tree, removing it) did not finish within that session: their figures are estimates. Only the
 * proportions matter: the ETA scales them by this build's own speed.
 */
export const REFERENCE_SECONDS = {
  steps: [42, 3, 30, 0, 5, 10, 60, 5] as number[],
  zfsInstall: 10,
  dkmsPerKernel: 567,
  dkmsStep: 4,
  kernels: 2,
};

const STEP_LINE = /^KBENCH-STEP (\d+) (\d+) (.*)$/;
// DKMS (dkms_common.postinst): "Building for A and B" / "Building only for A", then per kernel
// "Building initial module for A", "Done." when it is built (3.0.10 prints nothing else after the
// install lines; older releases add "DKMS: install completed."). build-rootfs.sh's fallback
// prints "zfs.ko missing for A: running dkms autoinstall".
const DKMS_KERNELS = /^Building (?:only )?for (\S.*)$/;
const DKMS_KERNEL_START = /^(?:Building initial module for (\S+)|zfs\.ko missing for (\S+): running dkms autoinstall)$/;
const DKMS_KERNEL_DONE = /^(?:Done\.|DKMS: install completed\.)$/;

export class BuildProgressTracker {
  private step = 0;
  private steps: number;
  private title = 'starting';
  private stepStartedAt: number;
  private kernelCount: number;
  private kernelIndex = 0;
  private kernel: string | null = null;
  private unitStartedAt: number;

  constructor(
    private readonly startedAt: number,
    private readonly reference = REFERENCE_SECONDS,
  ) {
    this.steps = reference.steps.length;
    this.stepStartedAt = startedAt;
    this.unitStartedAt = startedAt;
    this.kernelCount = reference.kernels;
  }

  /** One line of builder output; an event when it marks progress, else null. */
  line(text: string, now: number): BuildProgress | null {
    const step = STEP_LINE.exec(text);
    if (step) {
      this.step = Number(step[1]);
      this.steps = Number(step[2]);
      this.title = step[3]!;
      this.stepStartedAt = now;
      this.unitStartedAt = now;
      this.kernel = null;
      this.kernelIndex = 0;
      return this.event(now, `step ${this.step}/${this.steps}: ${this.title}`);
    }
    const kernels = DKMS_KERNELS.exec(text);
    if (kernels && !text.startsWith('Building for architecture')) {
      this.kernelCount = kernels[1]!.split(/,\s*|\s+and\s+|\s+/).filter(Boolean).length;
      return null;
    }
    const start = DKMS_KERNEL_START.exec(text);
    if (start) {
      this.kernel = start[1] ?? start[2]!;
      this.kernelIndex += 1;
      this.kernelCount = Math.max(this.kernelCount, this.kernelIndex);
      this.unitStartedAt = now;
      return this.event(now, `DKMS build ${this.kernelIndex}/${this.kernelCount}: zfs.ko for ${this.kernel}`);
    }
    if (DKMS_KERNEL_DONE.test(text) && this.kernel !== null) {
      const message = `DKMS build ${this.kernelIndex}/${this.kernelCount} done: ${this.kernel} (${formatSeconds((now - this.unitStartedAt) / 1000)})`;
      this.kernel = null;
      this.unitStartedAt = now;
      return this.event(now, message);
    }
    return null;
  }

  /** "Still alive" for steps that print little for minutes (DKMS). */
  heartbeat(now: number): BuildProgress {
    const what = this.kernel === null ? this.title : `DKMS build ${this.kernelIndex}/${this.kernelCount} (${this.kernel})`;
    return this.event(now, `still on step ${this.step}/${this.steps}: ${what}`);
  }

  /** Anything else worth saying (waiting for another builder, where the log is). */
  note(now: number, message: string): BuildProgress {
    return this.event(now, message);
  }

  done(now: number, message: string): BuildProgress {
    return { ...this.event(now, message), step: this.steps, etaSeconds: 0 };
  }

  /** Recorded seconds of the whole build and of what is behind us at `now`. */
  private expectedSeconds(now: number): { total: number; done: number } {
    const ref = this.reference;
    const stepSeconds = (index: number): number => {
      const recorded = ref.steps[index - 1] ?? 0;
      return index === ref.dkmsStep ? recorded + ref.zfsInstall + ref.dkmsPerKernel * this.kernelCount : recorded;
    };
    let total = 0;
    for (let i = 1; i <= Math.max(this.steps, ref.steps.length); i++) total += stepSeconds(i);
    if (this.step === 0) return { total, done: 0 };
    let done = 0;
    for (let i = 1; i < this.step; i++) done += stepSeconds(i);
    const partly = (elapsedMs: number, expected: number) => Math.min(elapsedMs / 1000, 0.95 * expected);
    if (this.step === ref.dkmsStep && (this.kernelIndex > 0 || this.kernel !== null)) {
      const finished = this.kernel === null ? this.kernelIndex : this.kernelIndex - 1;
      done += (ref.steps[ref.dkmsStep - 1] ?? 0) + ref.zfsInstall + finished * ref.dkmsPerKernel;
      if (this.kernel !== null) done += partly(now - this.unitStartedAt, ref.dkmsPerKernel);
    } else {
      const own = this.step === ref.dkmsStep ? (ref.steps[ref.dkmsStep - 1] ?? 0) + ref.zfsInstall : stepSeconds(this.step);
      done += partly(now - this.stepStartedAt, own);
    }
    return { total, done };
  }

  private event(now: number, message: string): BuildProgress {
    const elapsedSeconds = Math.max(0, (now - this.startedAt) / 1000);
    const { total, done } = this.expectedSeconds(now);
    const etaSeconds = done > 0 && elapsedSeconds > 0 ? Math.max(0, ((total - done) * elapsedSeconds) / done) : null;
    return {
      step: this.step,
      steps: this.steps,
      title: this.title,
      kernel: this.kernel,
      elapsedSeconds: Math.round(elapsedSeconds * 10) / 10,
      etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds),
      message,
    };
  }
}

export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
