/**
 * The Mocha globals Web Test Runner provides in the browser (`@types/mocha` is not a dependency
 * of this package; these are the few the suites use).
 */
type MochaDone = (error?: unknown) => void;
type MochaBody = (this: unknown, done: MochaDone) => void | Promise<unknown>;
type MochaHook = (this: unknown) => void | Promise<unknown>;

interface MochaTestFunction {
  (title: string, body?: MochaBody): void;
  only(title: string, body?: MochaBody): void;
  skip(title: string, body?: MochaBody): void;
}

declare const describe: ((title: string, body: () => void) => void) & { only(title: string, body: () => void): void; skip(title: string, body: () => void): void };
declare const it: MochaTestFunction;
declare function before(body: MochaHook): void;
declare function after(body: MochaHook): void;
declare function beforeEach(body: MochaHook): void;
declare function afterEach(body: MochaHook): void;
