// The few parts of cli-progress (which ships no types) that progress.ts uses.
declare module 'cli-progress' {
  export type Payload = Record<string, string | number>;
  export class SingleBar {
    update(value: number, payload?: Payload): void;
    stop(): void;
  }
  export class MultiBar {
    constructor(options: Record<string, unknown>, preset?: unknown);
    create(total: number, start: number, payload?: Payload): SingleBar;
    remove(bar: SingleBar): boolean;
    stop(): void;
  }
  export const Presets: { shades_classic: unknown; shades_grey: unknown; legacy: unknown; rect: unknown };
}
