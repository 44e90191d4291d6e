// The typed config of the legacy TikvCluster (`spec.pd.config`, `spec.tikv.config`): every key the legacy
// operator knew, under the name users wrote in YAML, with the name it wrote into the TOML file and the value type
// it decoded. The legacy operator decoded the YAML into Go structs (keys = json tags), dropped every key the
// structs did not have, and encoded the rest with a TOML library (keys = toml tags). Where the two tags differ,
// the key is renamed; where a boolean was declared as a JSON string (`,string`), YAML holds "true"/"false".
//
// Source: tikv/tikv-operator pkg/apis/tikv/v1alpha1/pd_config.go (PD v3.0.6 era) and tikv_config.go (TiKV 4.0 era)
// at the last release; only the names and types are recorded here.

export type ScalarType =
  /** TOML string. */
  | 'string'
  /** TOML boolean. */
  | 'bool'
  /** A boolean the legacy API declared as a JSON string: YAML holds "true" or "false", TOML gets a boolean. */
  | 'stringBool'
  /** TOML integer. */
  | 'int'
  /** TOML float (PD's Go decoder refuses an integer where it expects a float, so `5` is written `5.0`). */
  | 'float'
  /** TOML array of strings. */
  | 'strings'
  /** TOML table of string values. */
  | 'stringMap';

export interface TableType {
  kind: 'table';
  fields: Readonly<Record<string, ConfigField>>;
}
/** A table of tables keyed by user-chosen names (PD `namespace.<name>`). */
export interface MapOfType {
  kind: 'mapOf';
  value: ValueType;
}
/** An array of tables (`[[schedule.schedulers]]`). */
export interface ListOfType {
  kind: 'listOf';
  item: TableType;
}
export type ValueType = ScalarType | TableType | MapOfType | ListOfType;

export interface ConfigField {
  type: ValueType;
  /** The TOML key the legacy operator wrote, when it differs from the YAML key. */
  toml?: string;
  /**
   * Why the value never reached the component although the legacy operator knew the key (its TOML name was not
   * one the component reads). Such keys are not carried: the running cluster never had them.
   */
  neverApplied?: string;
}

const field = (type: ValueType): ConfigField => ({ type });
const s = field('string');
const b = field('bool');
const i = field('int');
const f = field('float');
const stringBool = field('stringBool');
const strings = field('strings');
const stringMap = field('stringMap');
const renamed = (toml: string, base: ConfigField): ConfigField => ({ ...base, toml });
const neverApplied = (reason: string, base: ConfigField): ConfigField => ({ ...base, neverApplied: reason });
const table = (fields: Record<string, ConfigField>): TableType => ({ kind: 'table', fields });
const sub = (t: TableType): ConfigField => field(t);
const mapOf = (value: ValueType): ConfigField => field({ kind: 'mapOf', value });
const listOf = (item: TableType): ValueType => ({ kind: 'listOf', item });

// ---------------------------------------------------------------------------------------------------------------
// PD

const pdFileLog = table({
  filename: s,
  'log-rotate': b,
  'max-size': i,
  'max-days': i,
  'max-backups': i,
});

const pdLog = table({
  level: s,
  format: s,
  'disable-timestamp': b,
  file: sub(pdFileLog),
  development: b,
  'disable-caller': b,
  'disable-stacktrace': b,
  'disable-error-verbose': b,
});

const pdMetric = table({ job: s, address: s, interval: s });

const pdSchedulerEntry = table({ type: s, args: strings, disable: b });

const pdSchedule = table({
  'max-snapshot-count': i,
  'max-pending-peer-count': i,
  'max-merge-region-size': i,
  'max-merge-region-keys': i,
  'split-merge-interval': s,
  'patrol-region-interval': s,
  'max-store-down-time': s,
  'leader-schedule-limit': i,
  'region-schedule-limit': i,
  'replica-schedule-limit': i,
  'merge-schedule-limit': i,
  'hot-region-schedule-limit': i,
  'hot-region-cache-hits-threshold': i,
  'tolerant-size-ratio': f,
  'low-space-ratio': f,
  'high-space-ratio': f,
  'disable-raft-learner': stringBool,
  'disable-remove-down-replica': stringBool,
  'disable-replace-offline-replica': stringBool,
  'disable-make-up-replica': stringBool,
  'disable-remove-extra-replica': stringBool,
  'disable-location-replacement': stringBool,
  'disable-namespace-relocation': stringBool,
  // "-v2" in YAML only, for an upgrade of the legacy API; PD reads `schedulers`.
  'schedulers-v2': renamed('schedulers', field(listOf(pdSchedulerEntry))),
  'schedulers-payload': stringMap,
  'enable-one-way-merge': stringBool,
  'enable-cross-table-merge': stringBool,
});

const pdReplication = table({
  'max-replicas': i,
  'location-labels': strings,
  'strictly-match-label': stringBool,
  'enable-placement-rules': stringBool,
});

const pdNamespace = table({
  'leader-schedule-limit': i,
  'region-schedule-limit': i,
  'replica-schedule-limit': i,
  'merge-schedule-limit': i,
  'hot-region-schedule-limit': i,
  'max-replicas': i,
});

const pdServer = table({ 'use-region-storage': stringBool, 'metric-storage': s });

const pdSecurity = table({ 'cacert-path': s, 'cert-path': s, 'key-path': s, 'cert-allowed-cn': strings });

const pdStoreLabel = table({ key: s, value: s });

const pdDashboard = table({
  'tidb-cacert-path': s,
  'tidb-cert-path': s,
  'tidb-key-path': s,
  'public-path-prefix': s,
});

export const pdConfigSchema: TableType = table({
  'force-new-cluster': b,
  'enable-grpc-gateway': b,
  lease: i,
  log: sub(pdLog),
  'log-file': s,
  'log-level': s,
  'tso-save-interval': s,
  metric: sub(pdMetric),
  schedule: sub(pdSchedule),
  replication: sub(pdReplication),
  namespace: mapOf(pdNamespace),
  'pd-server': sub(pdServer),
  'cluster-version': s,
  'quota-backend-bytes': s,
  'auto-compaction-mode': s,
  // "-v2" in YAML only: etcd changed the type of this setting from int to string.
  'auto-compaction-retention-v2': renamed('auto-compaction-retention', s),
  // A typo in the legacy API's YAML name; PD reads `tick-interval`.
  'tikv-interval': renamed('tick-interval', s),
  'election-interval': s,
  'enable-prevote': b,
  security: sub(pdSecurity),
  'label-property': mapOf(listOf(pdStoreLabel)),
  'namespace-classifier': s,
  dashboard: sub(pdDashboard),
});

// ---------------------------------------------------------------------------------------------------------------
// TiKV

const tikvServer = table({
  'status-thread-pool-size': s,
  'grpc-compression-type': s,
  'grpc-concurrency': i,
  'grpc-concurrent-stream': i,
  'grpc-memory-pool-quota': s,
  'grpc-raft-conn-num': i,
  'grpc-stream-initial-window-size': s,
  'grpc-keepalive-time': s,
  'grpc-keepalive-timeout': s,
  'concurrent-send-snap-limit': i,
  'concurrent-recv-snap-limit': i,
  'end-point-recursion-limit': i,
  'end-point-stream-channel-size': i,
  'end-point-batch-row-limit': i,
  'end-point-stream-batch-row-limit': i,
  'end-point-enable-batch-if-possible': i,
  'end-point-request-max-handle-duration': s,
  'snap-max-write-bytes-per-sec': s,
  'snap-max-total-size': s,
  'stats-concurrency': i,
  'heavy-load-threshold': i,
  'heavy-load-wait-duration': s,
  labels: stringMap,
  'enable-request-batch': b,
  'request-batch-enable-cross-command': b,
  'request-batch-wait-duration': s,
});

const tikvBlockCache = table({
  shared: b,
  capacity: s,
  'num-shard-bits': i,
  'strict-capacity-limit': b,
  'high-pri-pool-ratio': f,
  'memory-allocator': s,
});

const tikvStorage = table({
  'max-key-size': i,
  'scheduler-notify-capacity': i,
  'scheduler-concurrency': i,
  'scheduler-worker-pool-size': i,
  'scheduler-pending-write-threshold': s,
  'block-cache': sub(tikvBlockCache),
  'reserve-space': s,
});

const tikvRaftstore = table({
  'sync-log': b,
  prevote: b,
  'raft-base-tick-interval': s,
  'raft-heartbeat-ticks': i,
  'raft-election-timeout-ticks': i,
  'raft-entry-max-size': s,
  'raft-log-gc-tick-interval': s,
  'raft-log-gc-threshold': i,
  'raft-log-gc-count-limit': i,
  'raft-log-gc-size-limit': s,
  'raft-entry-cache-life-time': s,
  'raft-reject-transfer-leader-duration': s,
  'split-region-check-tick-interval': s,
  'region-split-check-diff': s,
  'region-compact-check-interval': s,
  'clean-stale-peer-delay': s,
  'region-compact-check-step': i,
  'region-compact-min-tombstones': i,
  'region-compact-tombstones-percent': i,
  'pd-heartbeat-tick-interval': s,
  'pd-store-heartbeat-tick-interval': s,
  'snap-mgr-gc-tick-interval': s,
  'snap-gc-timeout': s,
  'lock-cf-compact-interval': s,
  'lock-cf-compact-bytes-threshold': s,
  'notify-capacity': i,
  'messages-per-tick': i,
  'max-peer-down-duration': s,
  'max-leader-missing-duration': s,
  'abnormal-leader-missing-duration': s,
  'peer-stale-state-check-interval': s,
  'leader-transfer-max-log-lag': i,
  'snap-apply-batch-size': s,
  'consistency-check-interval': s,
  'report-region-flow-interval': s,
  'raft-store-max-leader-lease': s,
  'right-derive-when-split': b,
  'allow-remove-leader': b,
  'merge-max-log-gap': i,
  'merge-check-tick-interval': s,
  'use-delete-range': b,
  'cleanup-import-sst-interval': s,
  'apply-max-batch-size': i,
  'apply-pool-size': i,
  'store-max-batch-size': i,
  'store-pool-size': i,
  'hibernate-regions': b,
});

const tikvTitanCf = table({
  'min-blob-size': s,
  'blob-file-compression': s,
  'blob-cache-size': s,
  'min-gc-batch-size': s,
  'max-gc-batch-size': s,
  'discardable-ratio': f,
  'sample-ratio': f,
  'merge-small-file-threshold': s,
  'blob-run-mode': s,
  // TiKV reads `level-merge`; the legacy operator wrote the key with an underscore, which TiKV ignores.
  level_merge: neverApplied(
    'the legacy operator wrote it as `level_merge`, a key TiKV does not read (TiKV reads `level-merge`)',
    b,
  ),
  'gc-merge-rewrite': b,
});

const tikvColumnFamily = table({
  'block-size': s,
  'block-cache-size': s,
  'disable-block-cache': b,
  'cache-index-and-filter-blocks': b,
  'pin-l0-filter-and-index-blocks': b,
  'use-bloom-filter': b,
  'optimize-filters-for-hits': b,
  'whole-key-filtering': b,
  'bloom-filter-bits-per-key': i,
  'block-based-bloom-filter': b,
  'read-amp-bytes-per-bit': i,
  'compression-per-level': strings,
  'write-buffer-size': s,
  'max-write-buffer-number': i,
  'min-write-buffer-number-to-merge': i,
  'max-bytes-for-level-base': s,
  'target-file-size-base': s,
  'level0-file-num-compaction-trigger': i,
  'level0-slowdown-writes-trigger': i,
  'level0-stop-writes-trigger': i,
  'max-compaction-bytes': s,
  'compaction-pri': i,
  'dynamic-level-bytes': b,
  'num-levels': i,
  'max-bytes-for-level-multiplier': i,
  'compaction-style': i,
  'disable-auto-compactions': b,
  'soft-pending-compaction-bytes-limit': s,
  'hard-pending-compaction-bytes-limit': s,
  'force-consistency-checks': b,
  'prop-size-index-distance': i,
  'prop-keys-index-distance': i,
  'enable-doubly-skiplist': b,
  titan: sub(tikvTitanCf),
});

const tikvTitanDb = table({
  enabled: b,
  dirname: s,
  'disable-gc': b,
  'max-background-gc': i,
  'purge-obsolete-files-period': s,
});

const tikvRocksdb = table({
  'wal-recovery-mode': i,
  'wal-ttl-seconds': i,
  'wal-size-limit': s,
  'max-total-wal-size': s,
  'max-background-jobs': i,
  'max-manifest-file-size': s,
  'create-if-missing': b,
  'max-open-files': i,
  'enable-statistics': b,
  'stats-dump-period': s,
  'compaction-readahead-size': s,
  'info-log-max-size': s,
  'info-log-roll-time': s,
  'info-log-keep-log-file-num': i,
  'info-log-dir': s,
  'rate-bytes-per-sec': s,
  'rate-limiter-mode': i,
  'auto-tuned': b,
  'bytes-per-sync': s,
  'wal-bytes-per-sync': s,
  'max-sub-compactions': i,
  'writable-file-max-buffer-size': s,
  'use-direct-io-for-flush-and-compaction': b,
  'enable-pipelined-write': b,
  defaultcf: sub(tikvColumnFamily),
  writecf: sub(tikvColumnFamily),
  lockcf: sub(tikvColumnFamily),
  raftcf: sub(tikvColumnFamily),
  titan: sub(tikvTitanDb),
});

const tikvRaftdb = table({
  // A string here (a RocksDB recovery mode name) but an integer under `rocksdb`: the legacy structs differ.
  'wal-recovery-mode': s,
  'wal-dir': s,
  'wal-ttl-seconds': i,
  'wal-size-limit': s,
  'max-total-wal-size': s,
  'max-background-jobs': i,
  'max-manifest-file-size': s,
  'create-if-missing': b,
  'max-open-files': i,
  'enable-statistics': b,
  'stats-dump-period': s,
  'compaction-readahead-size': s,
  'info-log-max-size': s,
  'info-log-roll-time': s,
  'info-log-keep-log-file-num': i,
  'info-log-dir': s,
  'max-sub-compactions': i,
  'writable-file-max-buffer-size': s,
  'use-direct-io-for-flush-and-compaction': b,
  'enable-pipelined-write': b,
  'allow-concurrent-memtable-write': b,
  'bytes-per-sync': s,
  'wal-bytes-per-sync': s,
  defaultcf: sub(tikvColumnFamily),
});

const tikvCoprocessor = table({
  'split-region-on-table': b,
  'batch-split-limit': i,
  'region-max-size': s,
  'region-split-size': s,
  'region-max-keys': i,
  'region-split-keys': i,
});

const tikvReadPoolTiers = table({
  'high-concurrency': i,
  'normal-concurrency': i,
  'low-concurrency': i,
  'max-tasks-per-worker-high': i,
  'max-tasks-per-worker-normal': i,
  'max-tasks-per-worker-low': i,
  'stack-size': s,
});

const tikvReadPool = table({
  unified: sub(
    table({
      'min-thread-count': i,
      'max-thread-count': i,
      'stack-size': s,
      'max-tasks-per-worker': i,
    }),
  ),
  coprocessor: sub(tikvReadPoolTiers),
  storage: sub(tikvReadPoolTiers),
});

const tikvImport = table({
  'import-dir': s,
  'num-threads': i,
  'num-import-jobs': i,
  'num-import-sst-jobs': i,
  'max-prepare-duration': s,
  'region-split-size': s,
  'stream-channel-window': i,
  'max-open-engines': i,
  'upload-speed-limit': s,
});

// The legacy struct's tags for both keys start with a tab character, so YAML `batch-keys` never matched them
// and a key with a literal tab is not one TiKV reads: whatever users wrote here was dropped.
const strayTab = 'the legacy operator never read it: its field tag starts with a tab character';
const tikvGc = table({
  'batch-keys': neverApplied(strayTab, i),
  'max-write-bytes-per-sec': neverApplied(strayTab, s),
});

const tikvPd = table({
  endpoints: strings,
  'retry-interval': s,
  'retry-max-count': i,
  'retry-log-every': i,
});

const tikvMasterKey = table({
  type: s,
  // type = "file"
  method: s,
  path: s,
  // type = "kms"
  'key-id': s,
  'access-key': s,
  // The legacy struct wrote the secret under the TOML key `access-key` as well.
  'secret-access-key': renamed('access-key', s),
  region: s,
  endpoint: s,
});

const tikvSecurity = table({
  'ca-path': s,
  'cert-path': s,
  'key-path': s,
  'cert-allowed-cn': strings,
  'override-ssl-target': s,
  'cipher-file': s,
  encryption: sub(
    table({
      'data-encryption-method': s,
      'data-key-rotation-period': s,
      'master-key': sub(tikvMasterKey),
      // The legacy API also declared an unused encryption struct whose TOML tag is misspelt
      // `previoud-master-key`; the struct it used writes `previous-master-key`, which TiKV reads.
      'previous-master-key': sub(tikvMasterKey),
    }),
  ),
});

const tikvPessimisticTxn = table({
  enabled: b,
  'wait-for-lock-timeout': s,
  'wake-up-delay-duration': s,
  pipelined: b,
});

export const tikvConfigSchema: TableType = table({
  'log-level': s,
  'log-file': s,
  'slow-log-file': s,
  'slow-log-threshold': s,
  'log-rotation-timespan': s,
  'log-rotation-size': s,
  'refresh-config-interval': s,
  'panic-when-unexpected-key-or-data': b,
  server: sub(tikvServer),
  storage: sub(tikvStorage),
  raftstore: sub(tikvRaftstore),
  rocksdb: sub(tikvRocksdb),
  coprocessor: sub(tikvCoprocessor),
  readpool: sub(tikvReadPool),
  raftdb: sub(tikvRaftdb),
  import: sub(tikvImport),
  gc: sub(tikvGc),
  pd: sub(tikvPd),
  security: sub(tikvSecurity),
  'pessimistic-txn': sub(tikvPessimisticTxn),
});

/** Every key path of a config schema: `[yamlPath, field]`, tables included, in declaration order. */
export function configFieldPaths(schema: TableType, prefix: readonly string[] = []): [string[], ConfigField][] {
  const out: [string[], ConfigField][] = [];
  for (const [key, entry] of Object.entries(schema.fields)) {
    const path = [...prefix, key];
    out.push([path, entry]);
    if (typeof entry.type === 'object' && entry.type.kind === 'table') out.push(...configFieldPaths(entry.type, path));
  }
  return out;
}
