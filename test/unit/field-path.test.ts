import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { removeAt, setAt, splitFieldPath, valueAt, writableCopy } from '../../src/record/field-path.ts';

describe('field paths: setAt, removeAt, writableCopy', () => {
  it('valueAt reads own fields only, never what an object inherits', () => {
    assert.equal(valueAt({ a: { b: 1 } }, ['a', 'b']), 1);
    assert.equal(valueAt({ a: 1 }, ['constructor']), undefined);
    assert.equal(valueAt({ a: {} }, ['a', 'toString']), undefined);
    assert.equal(valueAt(JSON.parse('{"constructor":"mine"}'), ['constructor']), 'mine');
  });

  it('setAt writes nested values, creating the objects on the way', () => {
    const record: Record<string, unknown> = { a: { keep: 1 } };
    assert.equal(setAt(record, ['a', 'b', 'c'], 5), true);
    assert.equal(setAt(record, ['top'], 'x'), true);
    assert.deepEqual(record, { a: { keep: 1, b: { c: 5 } }, top: 'x' });
  });

  it('setAt writes nothing when a segment on the way is not an object', () => {
    const record: Record<string, unknown> = { a: 'text', list: [1, 2], nil: null };
    assert.equal(setAt(record, ['a', 'b'], 1), false);
    assert.equal(setAt(record, ['list', '0'], 9), false);
    assert.equal(setAt(record, ['nil', 'x'], 1), false);
    assert.deepEqual(record, { a: 'text', list: [1, 2], nil: null });
  });

  it('setAt never reaches a prototype', () => {
    const record: Record<string, unknown> = {};
    assert.equal(setAt(record, ['__proto__', 'polluted'], true), true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.deepEqual(Object.keys(record), ['__proto__']);
    assert.equal(setAt(record, ['constructor', 'x'], 1), true);
    assert.equal(Object.prototype.constructor, Object);
  });

  it('removeAt deletes a field and says whether there was one', () => {
    const record: Record<string, unknown> = { a: { b: 1, c: 2 }, d: 3 };
    assert.equal(removeAt(record, ['a', 'b']), true);
    assert.equal(removeAt(record, ['a', 'missing']), false);
    assert.equal(removeAt(record, ['d', 'x']), false);
    assert.equal(removeAt(record, ['toString']), false);
    assert.equal(removeAt(record, ['d']), true);
    assert.deepEqual(record, { a: { c: 2 } });
  });

  it('writableCopy copies the objects on the given paths only, so writes leave the original alone', () => {
    const shared = { big: [1, 2, 3] };
    const original = { a: { b: { c: 1 }, other: shared }, x: shared, s: 'text' };
    const snapshot = structuredClone(original);
    const copy = writableCopy(original, [['a', 'b', 'c'], ['a', 'new'], ['s', 'deep'], ['missing', 'y']]);
    setAt(copy, ['a', 'b', 'c'], 2);
    setAt(copy, ['a', 'new'], true);
    removeAt(copy, ['x']);
    assert.deepEqual(original, snapshot);
    assert.deepEqual(copy, { a: { b: { c: 2 }, other: shared, new: true }, s: 'text' });
    assert.equal((copy.a as Record<string, unknown>).other, shared, 'untouched subtrees are shared');
  });

  it('valueAt reads what setAt wrote', () => {
    const record: Record<string, unknown> = {};
    const path = splitFieldPath('metadata.parentResourceId')!;
    setAt(record, path, 'r1');
    assert.equal(valueAt(record, path), 'r1');
  });
});
