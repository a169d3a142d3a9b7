/**
 * @tierswap/bench: the studies, each a function returning its results and writing a
 * report (JSON, Markdown, charts, HTML); apps/cli runs them by name.
 */

export {};
