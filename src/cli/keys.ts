import { newSecret } from '../http/signature.ts';
import type { Command } from './main.ts';

/** `portcullis keys new`: a fresh whsec_ secret (32 random bytes) for a client. */
export const keysNew: Command = async (_args, io) => {
  io.out(newSecret());
  return 0;
};
