import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { isBusy, loadDone, loadFailed, loadStarted, type Load } from './useLoad';

describe('a load', () => {
  it('starts as loading, with no data to show', () => {
    const first = loadStarted<number[]>({ state: 'loading' });
    expect(first).toEqual({ state: 'loading' });
    expect(isBusy(first)).toBe(true);
  });

  it('a reload keeps the data shown, marked refreshing, until the new data comes', () => {
    const ready = loadDone([1, 2]);
    expect(ready).toEqual({ state: 'ready', data: [1, 2], refreshing: false });
    expect(isBusy(ready)).toBe(false);
    const again = loadStarted(ready);
    expect(again).toEqual({ state: 'ready', data: [1, 2], refreshing: true });
    expect(isBusy(again)).toBe(true);
    expect(loadDone([3])).toEqual({ state: 'ready', data: [3], refreshing: false });
  });

  it('a reload after an error shows loading again (there is nothing to keep)', () => {
    const failed = loadFailed<number[]>(new Error('boom'));
    expect(isBusy(failed)).toBe(false);
    expect(loadStarted(failed)).toEqual({ state: 'loading' });
  });

  it('an error keeps what was thrown: an ApiError\'s status and code', () => {
    const thrown = new ApiError(404, "no user named 'x'", 'user_not_found', null, null);
    const failed = loadFailed<unknown>(thrown) as Extract<Load<unknown>, { state: 'error' }>;
    expect(failed.message).toBe("no user named 'x'");
    expect(failed.error).toBe(thrown);
    expect((loadFailed<unknown>('text') as { message: string }).message).toBe('text');
  });
});
