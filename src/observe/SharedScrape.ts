import type { HttpReply } from "./HttpReply.js";

/** One render of the exposition and, once an HTTP scraper has asked for it, its reply. */
interface Render {
  readonly text: Promise<string>;
  reply?: Promise<HttpReply>;
}

/**
 * Concurrent scrapes share one render: a scrape that arrives while a render
 * is in flight joins it and gets the same text (or the same error), one that
 * arrives after it has settled starts a fresh one. Nothing is cached beyond
 * the render in flight, so a scrape never sees text rendered before it asked,
 * except from the render it joined.
 *
 * @example
 * ```ts
 * const scrapes = new SharedScrape(() => registry.metrics(), (text) => text.then(toReply, toErrorReply));
 * const [a, b] = await Promise.all([scrapes.text(), scrapes.text()]); // one render, a === b
 * ```
 */
export class SharedScrape {
  readonly #render: () => Promise<string>;
  readonly #toReply: (text: Promise<string>) => Promise<HttpReply>;
  #current: Render | undefined;

  /**
   * @param render renders the whole exposition (a synchronous throw counts as a rejection)
   * @param toReply turns a render into the HTTP reply every scraper joined to it is sent;
   *   called at most once per render, so an error is logged once
   */
  constructor(render: () => Promise<string>, toReply: (text: Promise<string>) => Promise<HttpReply>) {
    this.#render = render;
    this.#toReply = toReply;
  }

  /** The text of the render in flight, or of a fresh one when none is. */
  text(): Promise<string> {
    return this.#join().text;
  }

  /** The reply of the render in flight, or of a fresh one when none is; never rejects when `toReply`'s promise does not. */
  reply(): Promise<HttpReply> {
    const render = this.#join();
    render.reply ??= this.#toReply(render.text);
    return render.reply;
  }

  #join(): Render {
    const inFlight = this.#current;
    if (inFlight !== undefined) return inFlight;
    // a render that throws at once rejects like one that fails later
    const text = new Promise<string>((resolve) => resolve(this.#render()));
    const render: Render = { text };
    this.#current = render;
    const settled = (): void => {
      if (this.#current === render) this.#current = undefined;
    };
    // first handler on the promise: the render is let go before any joined scraper resumes
    text.then(settled, settled);
    return render;
  }
}
