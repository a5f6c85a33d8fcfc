/**
 * Checks of IP addresses for option declarations. Node's isIP is a pure function, but it lives in
 * node:net; declarations import it from here so that the import rules (.dependency-cruiser.cjs)
 * can keep every other part of node:net, and the rest of the machine, out of the schema.
 */
import { isIP } from 'node:net';

/** 4 or 6 for an IPv4 or IPv6 address written literally, else 0. */
export function ipFamily(address: string): 0 | 4 | 6 {
  return isIP(address) as 0 | 4 | 6;
}
