// Property tests under CI run from one fixed seed, so a submission's result does not depend
// on the draw; locally every run draws a new seed (fast-check prints it on a failure, and
// FC_SEED=<seed> replays it).
import fc from 'fast-check';

const seed = process.env.FC_SEED ?? (process.env.CI ? '20261130' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
