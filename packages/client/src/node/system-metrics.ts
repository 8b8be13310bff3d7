/**
 * System metrics, sampled every N seconds and logged under MLflow's `system/` keys: CPU,
 * memory, disk, network (Linux) and, when `nvidia-smi` is present, each GPU.
 */
import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';

const MB = 1e6;

interface CpuTimes {
  readonly idle: number;
  readonly total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Bytes received and sent over all interfaces (Linux `/proc/net/dev`); undefined elsewhere. */
async function networkBytes(): Promise<{ rx: number; tx: number } | undefined> {
  const text = await readFile('/proc/net/dev', 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const fields = line.split(':')[1]?.trim().split(/\s+/).map(Number);
    if (fields === undefined || fields.length < 9) continue;
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}

/** One `nvidia-smi` query; undefined when it is not installed or fails. */
function gpuStats(): Promise<Record<string, number> | undefined> {
  const query = 'index,utilization.gpu,memory.used,memory.total,power.draw,power.limit';
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      [`--query-gpu=${query}`, '--format=csv,noheader,nounits'],
      { timeout: 5000 },
      (error, out) => {
        if (error) {
          resolve(undefined);
          return;
        }
        const metrics: Record<string, number> = {};
        for (const line of out.trim().split('\n')) {
          const [index, util, used, total, power, limit] = line.split(',').map((s) => Number(s.trim()));
          if (index === undefined || Number.isNaN(index)) continue;
          const put = (name: string, value: number | undefined) => {
            if (value !== undefined && Number.isFinite(value)) metrics[`gpu_${index}_${name}`] = value;
          };
          put('utilization_percentage', util);
          put('memory_usage_megabytes', used);
          if (used !== undefined && total) put('memory_usage_percentage', (used / total) * 100);
          put('power_usage_watts', power);
          if (power !== undefined && limit) put('power_usage_percentage', (power / limit) * 100);
        }
        resolve(metrics);
      },
    );
  });
}

/**
 * Samples the machine and logs `system/...` metrics at an interval until stopped.
 *
 * @example
 * const monitor = new SystemMetricsMonitor((metrics, step) => run.logMetrics(metrics, step), 10_000);
 * monitor.start();
 * // ...
 * monitor.stop();
 */
export class SystemMetricsMonitor {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastCpu = cpuTimes();
  private baseNetwork: { rx: number; tx: number } | undefined;
  private hasGpu = true;
  private step = 0;

  constructor(
    private readonly log: (metrics: Record<string, number>, step: number) => void,
    private readonly intervalMs: number,
    private readonly disk: string = '/',
  ) {}

  /** Takes one sample now (CPU is measured since the previous sample). */
  async sample(): Promise<Record<string, number>> {
    const metrics: Record<string, number> = {};
    const cpu = cpuTimes();
    const total = cpu.total - this.lastCpu.total;
    if (total > 0) metrics.cpu_utilization_percentage = (1 - (cpu.idle - this.lastCpu.idle) / total) * 100;
    this.lastCpu = cpu;
    const used = totalmem() - freemem();
    metrics.system_memory_usage_megabytes = used / MB;
    metrics.system_memory_usage_percentage = (used / totalmem()) * 100;
    const fs = await statfs(this.disk).catch(() => undefined);
    if (fs !== undefined) {
      const usedBytes = (fs.blocks - fs.bfree) * fs.bsize;
      const availableBytes = fs.bavail * fs.bsize;
      metrics.disk_usage_megabytes = usedBytes / MB;
      metrics.disk_available_megabytes = availableBytes / MB;
      metrics.disk_usage_percentage = (usedBytes / (usedBytes + availableBytes)) * 100;
    }
    const network = await networkBytes();
    if (network !== undefined) {
      this.baseNetwork ??= network;
      metrics.network_receive_megabytes = (network.rx - this.baseNetwork.rx) / MB;
      metrics.network_transmit_megabytes = (network.tx - this.baseNetwork.tx) / MB;
    }
    if (this.hasGpu) {
      const gpu = await gpuStats();
      if (gpu === undefined) this.hasGpu = false;
      else Object.assign(metrics, gpu);
    }
    return Object.fromEntries(Object.entries(metrics).map(([key, value]) => [`system/${key}`, value]));
  }

  /** Starts sampling; the timer does not keep the process alive. */
  start(): void {
    if (this.timer !== undefined) return;
    void networkBytes().then((n) => {
      this.baseNetwork ??= n;
    });
    this.timer = setInterval(() => void this.logSample(), this.intervalMs);
    this.timer.unref?.();
  }

  private async logSample(): Promise<void> {
    try {
      const metrics = await this.sample();
      // The run may have ended while sampling.
      if (this.timer !== undefined) this.log(metrics, this.step++);
    } catch {
      // A failed sample is skipped; the next tick tries again.
    }
  }

  /** Stops sampling. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
