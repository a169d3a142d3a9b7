/** tierswap: the command's programmatic entry (its commands, for tests and embedding). */

export {};
