import { setMemosEnabled } from 'signet-session/core/memo';

/** What `compute` gives with every memo off (they are on again after). */
export function withoutMemos<R>(compute: () => R): R {
  setMemosEnabled(false);
  try {
    return compute();
  } finally {
    setMemosEnabled(true);
  }
}
