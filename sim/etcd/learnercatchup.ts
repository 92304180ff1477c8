// A new etcd learner is promoted only once it has caught up with the leader's log; until then MemberPromote fails with
// ErrLearnerNotReady, which the operator treats as expected (github.com/openshift/cluster-etcd-operator main,
// pkg/operator/clustermembercontroller/clustermembercontroller.go ensureEtcdLearnerPromotion; etcd-io/etcd release-3.5
// server/etcdserver/server.go isLearnerReady). `timing.learnerPromoteSeconds` stands for that catch-up time.

/** Started learners and when they were first seen started; `ready(id)` once they have been so for `seconds`. */
export class LearnerCatchUp {
  private readonly since = new Map<string, number>();

  constructor(private readonly seconds: () => number) {}

  /** Call with the started learners of each member list read; forgets members that are no longer learners. */
  observe(startedLearnerIds: string[], now = Date.now()): void {
    const ids = new Set(startedLearnerIds);
    for (const id of this.since.keys()) if (!ids.has(id)) this.since.delete(id);
    for (const id of ids) if (!this.since.has(id)) this.since.set(id, now);
  }

  /** Has the learner caught up (would MemberPromote succeed)? */
  ready(id: string, now = Date.now()): boolean {
    const t = this.since.get(id);
    return t !== undefined && now - t >= Math.max(0, this.seconds()) * 1000;
  }
}
