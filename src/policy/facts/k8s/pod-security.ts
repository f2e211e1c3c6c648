/**
 * The Kubernetes Pod Security Standards' `restricted` profile (which includes `baseline`), as
 * the API server's PodSecurity admission applies it, plus the hardening the standards leave out:
 * resource limits, a read-only root filesystem and digest-pinned images.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 *
 * A container setting overrides the pod's, as in Kubernetes itself.
 */
import { asArray, asString, isRecord } from '../evidence-file.js';

export const POD_CHECKS = [
  'hostNamespaces',
  'hostPath',
  'volumeTypes',
  'hostPorts',
  'hostProcess',
  'sysctls',
] as const;
export const CONTAINER_CHECKS = [
  'notPrivileged',
  'capabilities',
  'noPrivilegeEscalation',
  'runAsNonRoot',
  'seccomp',
  'seLinux',
  'procMount',
  'appArmor',
  'readOnlyRootFilesystem',
  'resourceLimits',
  'imageDigestPinned',
] as const;
export type PodCheck = (typeof POD_CHECKS)[number];
export type ContainerCheck = (typeof CONTAINER_CHECKS)[number];

export interface Failure<C> {
  check: C;
  /** What is wrong, in the manifest's own words. */
  detail: string;
}

/** The restricted profile allows these volume types only (hostPath is reported on its own). */
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const VOLUME_META = new Set(['name']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
]);

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

export function podFailures(pod: Record<string, unknown>): Failure<PodCheck>[] {
  const failures: Failure<PodCheck>[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'])
    if (pod[field] === true)
      failures.push({ check: 'hostNamespaces', detail: `${field}: true shares the node's namespace` });
  for (const volume of asArray(pod.volumes).filter(isRecord)) {
    const name = asString(volume.name) ?? '?';
    const types = Object.keys(volume).filter((k) => !VOLUME_META.has(k));
    if ('hostPath' in volume) {
      const hostPath = asString(record(volume.hostPath).path) ?? '?';
      failures.push({ check: 'hostPath', detail: `volume ${name} mounts the node's ${hostPath} (hostPath)` });
    }
    for (const type of types.filter((t) => t !== 'hostPath' && !RESTRICTED_VOLUMES.has(t)))
      failures.push({ check: 'volumeTypes', detail: `volume ${name} is of type ${type}` });
  }
  const sc = record(pod.securityContext);
  if (record(sc.windowsOptions).hostProcess === true)
    failures.push({ check: 'hostProcess', detail: 'securityContext.windowsOptions.hostProcess: true' });
  for (const sysctl of asArray(sc.sysctls).filter(isRecord)) {
    const name = asString(sysctl.name) ?? '?';
    if (!SAFE_SYSCTLS.has(name))
      failures.push({ check: 'sysctls', detail: `sysctl ${name} is not in the safe set` });
  }
  return failures;
}

/** Failures of one container, judged with its pod's settings as the defaults. */
export function containerFailures(
  pod: Record<string, unknown>,
  container: Record<string, unknown>,
  podAnnotations: Record<string, unknown>,
): Failure<ContainerCheck | PodCheck>[] {
  const podSc = record(pod.securityContext);
  const sc = record(container.securityContext);
  const name = asString(container.name) ?? '?';
  const failures: Failure<ContainerCheck | PodCheck>[] = [];
  const fail = (check: ContainerCheck | PodCheck, detail: string): void =>
    void failures.push({ check, detail });

  if (sc.privileged === true) fail('notPrivileged', 'securityContext.privileged: true');
  const caps = record(sc.capabilities);
  const drop = asArray(caps.drop).map(String);
  if (!drop.includes('ALL')) fail('capabilities', 'capabilities.drop does not include ALL');
  for (const add of asArray(caps.add)
    .map(String)
    .filter((c) => c !== 'NET_BIND_SERVICE'))
    fail('capabilities', `capabilities.add: ${add} (only NET_BIND_SERVICE may be added)`);
  if (sc.allowPrivilegeEscalation !== false)
    fail('noPrivilegeEscalation', 'securityContext.allowPrivilegeEscalation is not false');

  const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  if (runAsUser === 0) fail('runAsNonRoot', 'runAsUser: 0 runs as root');
  else if (runAsNonRoot !== true) fail('runAsNonRoot', 'runAsNonRoot is not true on the pod or container');

  const seccomp = asString(record(sc.seccompProfile).type) ?? asString(record(podSc.seccompProfile).type);
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
    fail('seccomp', `seccompProfile.type is ${seccomp ?? 'not set'} (RuntimeDefault or Localhost needed)`);

  const seLinux = { ...record(podSc.seLinuxOptions), ...record(sc.seLinuxOptions) };
  if (!SELINUX_TYPES.has(asString(seLinux.type) ?? ''))
    fail('seLinux', `seLinuxOptions.type ${String(seLinux.type)} is not a container type`);
  if (seLinux.user !== undefined || seLinux.role !== undefined)
    fail('seLinux', 'seLinuxOptions.user and role must not be set');

  if (sc.procMount !== undefined && sc.procMount !== 'Default')
    fail('procMount', `procMount: ${JSON.stringify(sc.procMount)} unmasks /proc`);

  const appArmor =
    asString(record(sc.appArmorProfile).type) ??
    asString(record(podSc.appArmorProfile).type) ??
    asString(podAnnotations[`container.apparmor.security.beta.kubernetes.io/${name}`]);
  if (appArmor === 'Unconfined' || appArmor === 'unconfined')
    fail('appArmor', 'the AppArmor profile is Unconfined');

  if (record(sc.windowsOptions).hostProcess === true)
    fail('hostProcess', 'securityContext.windowsOptions.hostProcess: true');
  for (const port of asArray(container.ports).filter(isRecord))
    if (typeof port.hostPort === 'number' && port.hostPort !== 0)
      fail('hostPorts', `hostPort ${port.hostPort} binds a port on the node`);

  if (sc.readOnlyRootFilesystem !== true)
    fail('readOnlyRootFilesystem', 'securityContext.readOnlyRootFilesystem is not true');
  const limits = record(record(container.resources).limits);
  const missing = ['cpu', 'memory'].filter((r) => limits[r] === undefined);
  if (missing.length) fail('resourceLimits', `resources.limits has no ${missing.join(' or ')}`);
  const image = asString(container.image);
  if (!image || !/@sha256:[0-9a-f]{64}$/.test(image))
    fail('imageDigestPinned', `image ${image ?? '(none)'} is not pinned by @sha256 digest`);
  return failures;
}
