// Errors the simulated PD returns, with PD's normalized texts ("[PD:<component>:<code>]<message>",
// pkg/errs/errno.go). The model throws them; the HTTP layer picks the status code per endpoint, as PD's
// handlers do (the same ErrStoreNotFound is a 404 on GET /store and a 500 on POST /store/{id}/label).

export type PdErrorCode =
  | 'ErrStoreNotFound'
  | 'ErrStoreRemoved'
  | 'ErrStoreDestroyed'
  | 'ErrStoresNotEnough'
  | 'ErrNoStoreForRegionLeader'
  | 'ErrInvalidStoreID'
  | 'ErrNotBootstrapped'
  | 'ErrSchedulerExisted'
  | 'ErrSchedulerNotFound'
  | 'ErrScheduleConfigNotExist'
  | 'ErrEtcdMoveLeader'
  | 'ErrEtcdMemberRemove'
  | 'ErrRedirectNoLeader'
  | 'ErrMemberNotFound'
  | 'ErrInvalidInput';

export class PdError extends Error {
  constructor(
    readonly code: PdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PdError';
  }
}

const rfc = (component: string, code: PdErrorCode, text: string) =>
  new PdError(code, `[PD:${component}:${code}]${text}`);

export const pdErrors = {
  storeNotFound: (id: number | string) => rfc('core', 'ErrStoreNotFound', `store ${id} not found`),
  storeRemoved: (id: number) => rfc('core', 'ErrStoreRemoved', `store ${id} has been removed`),
  storeDestroyed: (id: number) => rfc('core', 'ErrStoreDestroyed', `store ${id} has been physically destroyed`),
  storesNotEnough: (id: number, remaining: number, need: number) =>
    rfc(
      'core',
      'ErrStoresNotEnough',
      `can not remove store ${id} since the number of up stores would be ${remaining} while need ${need}`,
    ),
  noStoreForRegionLeader: (id: number) =>
    rfc(
      'core',
      'ErrNoStoreForRegionLeader',
      `can not remove store ${id} since there are no extra up store to store the leader`,
    ),
  invalidStoreId: (id: number) => rfc('cluster', 'ErrInvalidStoreID', `invalid store id ${id}, not found`),
  notBootstrapped: () => rfc('cluster', 'ErrNotBootstrapped', 'TiKV cluster not bootstrapped, please start TiKV first'),
  schedulerExisted: () => rfc('scheduler', 'ErrSchedulerExisted', 'scheduler existed'),
  schedulerNotFound: () => rfc('scheduler', 'ErrSchedulerNotFound', 'scheduler not found'),
  scheduleConfigNotExist: () => rfc('scheduler', 'ErrScheduleConfigNotExist', 'the config does not exist'),
  moveLeader: (cause: string) => rfc('etcd', 'ErrEtcdMoveLeader', `etcd move leader error: ${cause}`),
  memberRemove: (cause: string) => rfc('etcd', 'ErrEtcdMemberRemove', `etcd remove member failed: ${cause}`),
  redirectNoLeader: () => rfc('apiutil', 'ErrRedirectNoLeader', 'redirect finds no leader'),
  /** Plain texts: these PD errors are not normalized (errors.New / fmt in the handlers). */
  noValidTransferTarget: () => new PdError('ErrMemberNotFound', 'no valid pd to transfer etcd leader'),
  memberNotFoundByName: (name: string) => new PdError('ErrMemberNotFound', `not found, pd: ${name}`),
  memberIdNotFound: () => new PdError('ErrMemberNotFound', 'etcdserver: member not found'),
  invalidInput: (text: string) => new PdError('ErrInvalidInput', text),
};
