import type { LabelSet } from "./ScrapeMetric.js";

/**
 * The Prometheus text format (0.0.4) exactly as prom-client 15 writes it for
 * a registered metric (`Registry.getMetricsAsString`), so text rendered here
 * and text rendered by the registry are the same bytes. `test/observe/
 * TextExposition.test.ts` holds the two against each other.
 */

/** The content type of the Prometheus text format (prom-client's `Registry.PROMETHEUS_CONTENT_TYPE`). */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A metric name or help text escaped: backslash and newline. */
export function escapeText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

const NEEDS_ESCAPE = /[\\\n"]/;

/** A label value escaped: backslash, newline and double quote. */
export function escapeLabelValue(value: string): string {
  return NEEDS_ESCAPE.test(value) ? escapeText(value).replace(/"/g, '\\"') : value;
}

/** `{name="value",…}` for `labels` in their own order, or `""` for none. */
export function formatLabels(labels: LabelSet): string {
  let text = "";
  for (const name of Object.keys(labels)) {
    text += `${text === "" ? "{" : ","}${name}="${escapeLabelValue(labels[name] as string)}"`;
  }
  return text === "" ? "" : `${text}}`;
}

/** A sample value: `Nan`, `+Inf` and `-Inf` spelled as prom-client spells them, else the number as JavaScript prints it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "Nan";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return `${value}`;
}

/** The `# HELP` and `# TYPE` lines of a metric. */
export function formatHeader(name: string, help: string, type: string): string {
  const escaped = escapeText(name);
  return `# HELP ${escaped} ${escapeText(help)}\n# TYPE ${escaped} ${type}`;
}
