/**
 * What examples/kubernetes and examples/docker say, read for the tests that check they agree with
 * each other and with what the image does: the manifests (YAML, every document) and the few
 * Dockerfile instructions that matter to them.
 */
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';

import { REPO } from './server.js';

export const KUBERNETES_DIR = join(REPO, 'examples', 'kubernetes');
export const DOCKER_DIR = join(REPO, 'examples', 'docker');

/** Every document of every manifest, as plain objects, with the file each came from. */
export function manifests(): { file: string; object: Record<string, unknown> }[] {
  return ['deployment.yaml', 'service.yaml'].flatMap((file) =>
    parseAllDocuments(readFileSync(join(KUBERNETES_DIR, file), 'utf8')).map((document) => {
      if (document.errors.length) {
        throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      return { file, object: document.toJS() as Record<string, unknown> };
    }),
  );
}

function only<T>(kind: string): T {
  const found = manifests().filter((m) => m.object.kind === kind);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} in examples/kubernetes, found ${found.length}`);
  }
  return found[0]?.object as T;
}

export const deployment = () => only<IDeployment>('Deployment');
export const service = () => only<IService>('Service');

/** The Deployment's one container: the example image. */
export function appContainer(): IContainer {
  const containers = deployment().spec?.template.spec?.containers ?? [];
  if (containers.length !== 1 || !containers[0]) {
    throw new Error(`expected one container in the Deployment, found ${containers.length}`);
  }
  return containers[0];
}

/** A container port given by number or by name, as a number. */
export function portNumber(container: IContainer, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
}

/** The Dockerfile's last value of each instruction that the manifests must agree with. */
export function dockerfile(): { expose: number[]; user: string; cmd: string[]; stopSignal: string } {
  // Continuation lines joined, comments dropped: one instruction per line.
  const lines = readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'));
  const last = (instruction: string) =>
    lines
      .filter((line) => line.toUpperCase().startsWith(`${instruction} `))
      .map((line) => line.slice(instruction.length).trim())
      .pop() ?? '';
  return {
    expose: last('EXPOSE')
      .split(/\s+/)
      .filter(Boolean)
      .map((port) => Number(port.replace(/\/tcp$/, ''))),
    user: last('USER'),
    cmd: JSON.parse(last('CMD') || '[]') as string[],
    stopSignal: last('STOPSIGNAL'),
  };
}

/** The entry point's default server root (EXPRESS_WSGI_ROOT). */
export function entrypointServerRoot(): string {
  const script = readFileSync(join(DOCKER_DIR, 'entrypoint.sh'), 'utf8');
  const root = /^EXPRESS_WSGI_ROOT=\$\{EXPRESS_WSGI_ROOT:-([^}]+)\}$/m.exec(script)?.[1];
  if (!root) {
    throw new Error('no EXPRESS_WSGI_ROOT default in examples/docker/entrypoint.sh');
  }
  return root;
}

/**
 * What podman must be given to run the image as the Deployment's container does: its user, a
 * read-only root file system, and at each emptyDir mount what the kubelet mounts there, an empty,
 * world-writable (0777) directory of the host, made by `emptyDir()`.
 */
export function podmanRunLikeKubernetes(emptyDir: () => string): string[] {
  const pod = deployment().spec?.template.spec;
  const container = appContainer();
  const user = container.securityContext?.runAsUser ?? pod?.securityContext?.runAsUser;
  const group = container.securityContext?.runAsGroup ?? pod?.securityContext?.runAsGroup;
  const emptyDirs = new Set((pod?.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
  const mounts = (container.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
  return [
    ...(user === undefined ? [] : ['--user', `${user}:${group ?? user}`]),
    ...(container.securityContext?.readOnlyRootFilesystem ? ['--read-only', '--read-only-tmpfs=false'] : []),
    // Not --tmpfs: podman fills a tmpfs with what the image has there, and runc gives it the mode
    // and owner of the image's directory.
    ...mounts.flatMap((path) => {
      const dir = emptyDir();
      chmodSync(dir, 0o777);
      return ['--volume', `${dir}:${path}`];
    }),
    ...(container.securityContext?.capabilities?.drop?.includes('ALL') ? ['--cap-drop', 'ALL'] : []),
    ...(container.securityContext?.allowPrivilegeEscalation === false
      ? ['--security-opt', 'no-new-privileges']
      : []),
  ];
}
