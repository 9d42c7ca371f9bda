import { describe, expect, it } from 'vitest';
import { callToJsonLine, eventToJsonLine, formatEventLine } from '../../src/cli/format.js';
import type { Call } from '../../src/exotel/types.js';

const call: Call = {
  sid: 'abc123',
  parentCallSid: null,
  accountSid: 'acme1',
  to: '+919800000001',
  from: '+919800000002',
  phoneNumber: '+918047000001',
  phoneNumberSid: null,
  status: 'completed',
  direction: 'inbound',
  dateCreated: new Date('2026-05-01T04:30:00Z'),
  dateUpdated: new Date('2026-05-01T04:33:00Z'),
  startTime: new Date('2026-05-01T04:30:05Z'),
  endTime: new Date('2026-05-01T04:31:07Z'),
  duration: 62,
  price: 1.5,
  answeredBy: 'human',
  forwardedFrom: null,
  callerName: null,
  uri: null,
  recordingUrl: null,
  raw: { Sid: 'abc123', DateCreated: '2026-05-01 10:00:00', Status: 'completed' },
};

describe('NDJSON', () => {
  it('writes one object per line with ISO timestamps', () => {
    const line = eventToJsonLine({ type: 'callCompleted', call });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({ type: 'callCompleted', call: { sid: 'abc123', dateCreated: '2026-05-01T04:30:00.000Z', duration: 62 } });
    expect(parsed.call.raw.Sid).toBe('abc123');
    expect(parsed).not.toHaveProperty('previous');
  });
  it('carries previous and changes for updates, and drops raw when asked', () => {
    const previous = { ...call, price: 1 };
    const parsed = JSON.parse(eventToJsonLine({ type: 'callUpdated', call, previous, changes: ['price'] }, { raw: false }));
    expect(parsed).toMatchObject({ type: 'callUpdated', previous: { price: 1 }, call: { price: 1.5 }, changes: ['price'] });
    expect(parsed.call).not.toHaveProperty('raw');
    expect(parsed.previous).not.toHaveProperty('raw');
    expect(JSON.parse(callToJsonLine(call, { raw: false }))).not.toHaveProperty('raw');
  });
});

describe('terminal line', () => {
  it('shows time in the zone, status, numbers, duration, price and Sid', () => {
    const line = formatEventLine({ type: 'callCompleted', call }, { timeZone: 'Asia/Kolkata' });
    expect(line).toMatch(/^10:01:07 {2}completed {2}inbound +\+919800000002 -> \+919800000001 via \+918047000001 {2}62s {2}1\.500 {2}abc123\n$/);
    expect(line).not.toContain('\x1b[');
  });
  it('colours on request and lists the changes of an update', () => {
    const line = formatEventLine({ type: 'callUpdated', call, previous: call, changes: ['price', 'duration'] }, { timeZone: 'UTC', color: true });
    expect(line).toContain('\x1b[33m');
    expect(line).toContain('changed: price, duration');
    expect(line).toContain('updated');
    expect(formatEventLine({ type: 'callFailed', call: { ...call, status: 'busy' } }, { timeZone: 'UTC', color: true })).toContain('\x1b[31mbusy');
  });
});
