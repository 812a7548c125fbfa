import { describe, expect, it } from "vitest";
import { TimeZone } from "../../src/schedule/TimeZone.js";

const HOUR = 3_600_000;
const local = (text: string): number => Date.parse(`${text}Z`);

describe("TimeZone", () => {
  const newYork = new TimeZone("America/New_York");

  it("gives the UTC offset at an instant, in winter and in summer", () => {
    expect(newYork.offsetAt(Date.parse("2026-01-15T12:00:00Z"))).toBe(-5 * HOUR);
    expect(newYork.offsetAt(Date.parse("2026-07-15T12:00:00Z"))).toBe(-4 * HOUR);
    expect(newYork.offsetAt(Date.parse("2026-03-08T06:59:59Z"))).toBe(-5 * HOUR);
    expect(newYork.offsetAt(Date.parse("2026-03-08T07:00:00Z"))).toBe(-4 * HOUR);
    expect(new TimeZone("Asia/Kolkata").offsetAt(Date.parse("2026-01-01T00:00:00Z"))).toBe(5.5 * HOUR);
  });

  it("maps a local time to one instant normally, none in a gap and two in a repeated hour", () => {
    expect(newYork.instantsOf(local("2026-01-15T09:00:00"))).toEqual([Date.parse("2026-01-15T14:00:00Z")]);
    expect(newYork.instantsOf(local("2026-03-08T02:30:00"))).toEqual([]);
    expect(newYork.instantsOf(local("2026-11-01T01:30:00"))).toEqual([Date.parse("2026-11-01T05:30:00Z"), Date.parse("2026-11-01T06:30:00Z")]);
  });

  it("finds the first instant after a gap", () => {
    expect(newYork.gapEnd(local("2026-03-08T02:30:00"))).toBe(Date.parse("2026-03-08T07:00:00Z"));
    expect(new TimeZone("Australia/Lord_Howe").gapEnd(local("2026-10-04T02:10:00"))).toBe(Date.parse("2026-10-03T15:30:00Z"));
  });

  it("converts an instant to floating local time", () => {
    expect(newYork.toLocal(Date.parse("2026-07-04T16:00:00Z"))).toBe(local("2026-07-04T12:00:00"));
  });

  it("canonicalises names and recognises UTC", () => {
    expect(new TimeZone("europe/london").name).toBe("Europe/London");
    expect(new TimeZone("Etc/UTC").isUtc).toBe(true);
    expect(new TimeZone("UTC").offsetAt(123)).toBe(0);
    expect(newYork.isUtc).toBe(false);
  });

  it("throws a RangeError for an unknown zone", () => {
    expect(() => new TimeZone("Mars/Olympus")).toThrow(RangeError);
  });
});
