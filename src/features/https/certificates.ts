/**
 * The certificate files of --https-port: read as PEM, parsed with node:crypto, the key checked
 * against the certificate, so that a wrong file is refused before anything is written.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';

import type { Context, FeatureInput } from '../../config.js';
import { badValue, UsageError } from '../../errors.js';
import type { SslSettings } from './types.js';

interface PemFile {
  readonly option: string;
  /** As the user gave it (or derived from --ssl-certificate), for messages. */
  readonly value: string;
  readonly path: string;
  readonly blocks: readonly { readonly label: string; readonly text: string }[];
}

/** Reads a PEM file the user named, refusing a missing, unreadable or non-PEM one. */
function readPem(option: string, value: string, ctx: Pick<Context, 'cwd' | 'host'>, what: string): PemFile {
  const path = resolvePath(ctx.cwd, value);
  const st = ctx.host.stat(path);
  if (!st) {
    throw badValue(option, value, `an existing ${what} file (no such file)`);
  }
  if (st.kind !== 'file') {
    throw badValue(
      option,
      value,
      `a ${what} file (it is a ${st.kind === 'directory' ? 'directory' : 'special file'})`,
    );
  }
  let text: string;
  try {
    text = ctx.host.readFile(path, 'latin1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw badValue(
      option,
      value,
      `a ${what} file you can read (${code === 'EACCES' ? 'permission denied' : code})`,
    );
  }
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)].map((m) => ({
    label: m[1] as string,
    text: m[0],
  }));
  return { option, value, path, blocks };
}

function certificatesOf(file: PemFile, what: string): X509Certificate[] {
  const certs = file.blocks.filter((b) => b.label === 'CERTIFICATE');
  if (!certs.length) {
    throw badValue(
      file.option,
      file.value,
      `a PEM ${what} file with a -----BEGIN CERTIFICATE----- block (convert DER with: openssl x509 -inform der -in FILE -out FILE.crt)`,
    );
  }
  return certs.map((b) => {
    try {
      return new X509Certificate(b.text);
    } catch (error) {
      throw badValue(
        file.option,
        file.value,
        `a PEM ${what} file whose certificates parse (${(error as Error).message})`,
      );
    }
  });
}

/** The private key in a PEM file: the key, 'encrypted', or undefined when there is none. */
function privateKeyOf(file: PemFile): KeyObject | 'encrypted' | undefined {
  const block = file.blocks.find((b) => /PRIVATE KEY$/.test(b.label));
  if (!block) {
    return undefined;
  }
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block.text)) {
    return 'encrypted';
  }
  try {
    return createPrivateKey(block.text);
  } catch (error) {
    throw badValue(file.option, file.value, `a PEM private key that parses (${(error as Error).message})`);
  }
}

/** The server certificate, its key and the other files, read and checked against each other. */
export function sslFilesOf(
  opts: FeatureInput['opts'],
  ctx: Pick<Context, 'cwd' | 'host'>,
  warnings: string[],
): Pick<SslSettings, 'certificateFile' | 'keyFile' | 'chainFile' | 'caFile'> {
  if (
    opts.sslCertificate !== undefined &&
    (opts.sslCertificateFile !== undefined || opts.sslCertificateKeyFile !== undefined)
  ) {
    throw new UsageError(
      '--ssl-certificate PATH names both PATH.crt and PATH.key: give it, or --ssl-certificate-file and ' +
        '--ssl-certificate-key-file, not both.',
    );
  }
  if (opts.sslCertificateKeyFile !== undefined && opts.sslCertificateFile === undefined) {
    throw new UsageError(
      '--ssl-certificate-key-file needs --ssl-certificate-file, the certificate of that key.',
    );
  }
  const stem = opts.sslCertificate;
  const certFile =
    stem !== undefined
      ? readPem('ssl-certificate', `${stem}.crt`, ctx, 'certificate')
      : opts.sslCertificateFile !== undefined
        ? readPem('ssl-certificate-file', opts.sslCertificateFile, ctx, 'certificate')
        : undefined;
  if (!certFile) {
    throw new UsageError(
      '--https-port needs a server certificate and its key: give --ssl-certificate PATH (for PATH.crt and PATH.key), ' +
        'or --ssl-certificate-file and --ssl-certificate-key-file.',
    );
  }
  const keyFile =
    stem !== undefined
      ? readPem('ssl-certificate', `${stem}.key`, ctx, 'private key')
      : opts.sslCertificateKeyFile !== undefined
        ? readPem('ssl-certificate-key-file', opts.sslCertificateKeyFile, ctx, 'private key')
        : undefined;
  const [certificate] = certificatesOf(certFile, 'certificate') as [X509Certificate];
  const key = privateKeyOf(keyFile ?? certFile);
  if (key === undefined) {
    if (keyFile) {
      throw badValue(keyFile.option, keyFile.value, 'a PEM file with a -----BEGIN PRIVATE KEY----- block');
    }
    throw badValue(
      certFile.option,
      certFile.value,
      'a certificate file that also holds its private key, or give --ssl-certificate-key-file too',
    );
  }
  if (key === 'encrypted') {
    warnings.push(
      `the private key in ${(keyFile ?? certFile).path} is encrypted: Apache asks for its passphrase at every start, ` +
        'which fails without a terminal. Decrypt it with: openssl pkey -in KEY -out KEY.plain',
    );
  } else if (!certificate.checkPrivateKey(key)) {
    const k = keyFile ?? certFile;
    throw badValue(
      k.option,
      k.value,
      `the private key of the certificate in ${certFile.path} (it belongs to another one)`,
    );
  }
  const now = Date.now();
  if (Date.parse(certificate.validTo) < now) {
    warnings.push(
      `the certificate in ${certFile.path} expired on ${certificate.validTo}; clients will refuse it.`,
    );
  } else if (Date.parse(certificate.validFrom) > now) {
    warnings.push(`the certificate in ${certFile.path} is not valid before ${certificate.validFrom}.`);
  }
  const chain =
    opts.sslCertificateChainFile !== undefined
      ? readPem('ssl-certificate-chain-file', opts.sslCertificateChainFile, ctx, 'certificate chain')
      : undefined;
  if (chain) {
    certificatesOf(chain, 'certificate chain');
  }
  const ca =
    opts.sslCaCertificateFile !== undefined
      ? readPem('ssl-ca-certificate-file', opts.sslCaCertificateFile, ctx, 'CA certificate')
      : undefined;
  if (ca) {
    certificatesOf(ca, 'CA certificate');
  }
  return {
    certificateFile: certFile.path,
    keyFile: keyFile?.path ?? null,
    chainFile: chain?.path ?? null,
    caFile: ca?.path ?? null,
  };
}
