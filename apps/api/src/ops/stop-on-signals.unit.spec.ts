import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { stopOnSignals } from './stop-on-signals.js';

/** A process stand-in: signals are emitted by the test, exits are recorded. */
function fakeProcess() {
  const signals = new EventEmitter();
  const exits: number[] = [];
  let exited: (code: number) => void = () => undefined;
  const host = {
    on: (signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void) => signals.on(signal, listener),
    exit: (code: number) => {
      exits.push(code);
      exited(code);
    },
  };
  const nextExit = () => new Promise<number>((resolve) => (exited = resolve));
  return { host, exits, nextExit, send: (signal: NodeJS.Signals) => signals.emit(signal, signal) };
}

const collect = (lines: string[]) => pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });

describe('stopOnSignals', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops the process once, then exits 0', async (signal) => {
    const p = fakeProcess();
    const lines: string[] = [];
    let stops = 0;
    stopOnSignals('relay', collect(lines), async () => void stops++, p.host);
    expect(stops).toBe(0);
    const exit = p.nextExit();
    p.send(signal);
    expect(await exit).toBe(0);
    expect(stops).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ signal, process: 'relay', msg: 'stopping' });
  });

  it('a second signal while stopping exits 1 at once, without a second stop', async () => {
    const p = fakeProcess();
    const lines: string[] = [];
    let stops = 0;
    stopOnSignals('api', collect(lines), () => {
      stops++;
      return new Promise<void>(() => undefined); // a stop that never ends
    }, p.host);
    p.send('SIGTERM');
    const exit = p.nextExit();
    p.send('SIGINT');
    expect(await exit).toBe(1);
    expect(stops).toBe(1);
    expect(p.exits).toEqual([1]);
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 40, signal: 'SIGINT', msg: 'second signal while stopping: exiting now' });
  });

  it('a stop that fails is logged and exits 1', async () => {
    const p = fakeProcess();
    const lines: string[] = [];
    stopOnSignals('projector', collect(lines), () => Promise.reject(new Error('ClickHouse away')), p.host);
    const exit = p.nextExit();
    p.send('SIGINT');
    expect(await exit).toBe(1);
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 50, process: 'projector', msg: 'stop failed', err: { message: 'ClickHouse away' } });
  });
});
