import { randomBytes } from "node:crypto";
import type { HttpReply } from "../observe/HttpReply.js";
import { statusPageHtml } from "./statusPage.js";

/** Headers of every status reply: never cached, never sniffed, never framed. */
const COMMON = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
} as const;

/** The methods the status URL answers. */
export const STATUS_ALLOW = "GET, HEAD, POST";

/** A JSON reply (the document, or an action's outcome). */
export function jsonReply(status: number, document: unknown, extra: Readonly<Record<string, string>> = {}): HttpReply {
  return { status, headers: { "Content-Type": "application/json; charset=utf-8", ...COMMON, ...extra }, body: JSON.stringify(document) };
}

/** An action's refusal: `{ ok: false, error, code }`. */
export function refusal(status: number, code: string, error: string, extra: Readonly<Record<string, string>> = {}): HttpReply {
  return jsonReply(status, { ok: false, error, code }, extra);
}

/**
 * The page: one self-contained HTML document under a strict
 * `Content-Security-Policy` (its one style and one script carry a fresh nonce;
 * nothing loads from anywhere else, and it may only fetch its own origin).
 */
export function pageReply(): HttpReply {
  const nonce = randomBytes(16).toString("base64");
  const policy = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { status: 200, headers: { "Content-Type": "text/html; charset=utf-8", ...COMMON, "Content-Security-Policy": policy }, body: statusPageHtml(nonce) };
}

/**
 * Whether a request asks for the JSON: `?format=json`, or an `Accept` header
 * that lists `application/json` (quality above 0) and not `text/html`.
 */
export function wantsJson(format: string | null, accept: string | null | undefined): boolean {
  if (format === "json") return true;
  if (format === "html" || accept === null || accept === undefined) return false;
  let json = false;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith("q="));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (type === "text/html") return false;
    if (type === "application/json") json = true;
  }
  return json;
}
