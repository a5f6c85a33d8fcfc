/**
 * The Kubernetes example (issue 15, item 4): every manifest is valid against the Kubernetes API
 * schema (kubernetes-models' validators, generated from Kubernetes' OpenAPI document, offline), and
 * what the manifests say about the container agrees with the image (examples/docker). The image is
 * run the way the Deployment runs it in test/integration/container.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';

import {
  appContainer,
  deployment,
  dockerfile,
  entrypointServerRoot,
  manifests,
  portNumber,
  service,
} from '../helpers/manifests.js';

/** The model of each kind the example has: validate() throws on an object the API would refuse. */
const MODELS: Record<string, (object: Record<string, unknown>) => { validate(): void }> = {
  'apps/v1 Deployment': (object) => new Deployment(object as never),
  'v1 Service': (object) => new Service(object as never),
};

function validate(object: Record<string, unknown>): void {
  const model = MODELS[`${String(object.apiVersion)} ${String(object.kind)}`];
  if (!model) {
    throw new Error(`no schema here for ${String(object.apiVersion)} ${String(object.kind)}`);
  }
  model(object).validate();
}

describe('the Kubernetes manifests against the API schema', () => {
  it.each(manifests().map((m) => [`${m.file}: ${String(m.object.kind)}`, m.object] as const))(
    '%s is valid',
    (_, object) => {
      expect(() => validate(object)).not.toThrow();
    },
  );

  it('the schema check catches a wrong type and a missing field', () => {
    const broken = structuredClone(deployment()) as unknown as {
      spec: {
        selector?: unknown;
        template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } };
      };
    };
    const port = broken.spec.template.spec.containers[0]?.ports[0];
    expect(port).toBeDefined();
    (port as { containerPort: unknown }).containerPort = '8000';
    expect(() => validate(broken as never)).toThrow(/containerPort must be integer/);
    const noSelector = structuredClone(deployment()) as unknown as { spec: { selector?: unknown } };
    delete noSelector.spec.selector;
    expect(() => validate(noSelector as never)).toThrow(/must have required property 'selector'|selector/);
  });
});

describe('the manifests agree with the image', () => {
  const image = dockerfile();
  const container = appContainer();
  const pod = deployment().spec?.template.spec;

  it('the container port is the one the image exposes and serves on', () => {
    expect(image.expose).toHaveLength(1);
    expect(container.ports?.map((p) => p.containerPort)).toEqual(image.expose);
  });

  it('both probes GET / on that port, which the application answers (no --mount-point moves it)', () => {
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe?.httpGet?.path).toBe('/');
      expect(portNumber(container, probe?.httpGet?.port)).toBe(image.expose[0]);
    }
    expect(container.args ?? image.cmd).not.toContain('--mount-point');
  });

  it('the Service sends its traffic to that port of these pods', () => {
    const spec = service().spec;
    expect(spec?.ports).toHaveLength(1);
    expect(portNumber(container, spec?.ports?.[0]?.targetPort)).toBe(image.expose[0]);
    expect(spec?.selector).toEqual(deployment().spec?.template.metadata?.labels);
    expect(deployment().spec?.selector.matchLabels).toEqual(deployment().spec?.template.metadata?.labels);
  });

  it('the pod runs as the image user, uid and gid 10001, never root', () => {
    const context = { ...pod?.securityContext, ...container.securityContext };
    expect(image.user).toBe('10001:10001');
    expect(`${context.runAsUser}:${context.runAsGroup}`).toBe(image.user);
    expect(context.runAsNonRoot).toBe(true);
  });

  it('a read-only root file system, with emptyDirs where the image writes: the server root and /tmp', () => {
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    const emptyDirs = new Set((pod?.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
    const writable = (container.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name) && !m.readOnly);
    const under = (path: string) =>
      writable.some((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
    // Not the server root itself: express-wsgi refuses a world-writable one, as an emptyDir is.
    const root = entrypointServerRoot();
    expect(writable.map((m) => m.mountPath)).not.toContain(root);
    expect(under(root)).toBe(true);
    expect(under('/tmp')).toBe(true);
  });

  it('the args are the image CMD, and the grace period covers the preStop pause and the stop', () => {
    expect(container.args).toEqual(image.cmd);
    expect(image.stopSignal).toBe('SIGTERM');
    const pause = Number(container.lifecycle?.preStop?.exec?.command?.at(-1));
    // Apache's stop takes up to about 15 s while a request is still running (the Dockerfile says so).
    expect(pod?.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + 15);
  });
});
