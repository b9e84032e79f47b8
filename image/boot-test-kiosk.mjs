// Boot-test check for kiosk health: a kiosk browser that is frozen but alive is noticed by the service
// (the kiosk page's frame clock stops: src/service/kiosk-watch.ts) and restarted by root on the service's
// request (/run/vtlink/kiosk-stale -> vtlink-kiosk-watch.path -> vtlink-kiosk-watch.service). One
// self-contained function, called by image/boot-test.mjs with its helpers; see systemd/README.md
// "Kiosk health".

/**
 * In the guest: waits until the kiosk page reports (status.kiosk.state "alive"), SIGSTOPs every Chromium
 * renderer of the kiosk user (the page freezes; the browser process and cage live on, so the kiosk unit
 * stays "active" and systemd alone would never notice), then expects, within the guest's pace:
 *   - the service's restart request, taken by vtlink-kiosk-watch.service (its journal says why),
 *   - vtlink-kiosk.service restarted: a new main (cage) PID, the stopped renderers gone,
 *   - heartbeats from the new kiosk page (state "alive" again, restartsRequested one higher).
 * If it fails half-way, the renderers are sent SIGCONT, so the checks after it find a working kiosk.
 *
 * @param vm the boot test's Vm: `vm.sh(command, timeoutS)` runs a root shell command in the guest and
 *   resolves with `{ code, text }`.
 * @param h the boot test's helpers: `check(name, ok, detail)`, `waitFor(what, timeoutS, probe, everyMs)`
 *   (timeouts stretched by the guest's slowness; throws on timeout), `getJson(path)` (the API through the
 *   port forward), `activeSinceBoot(vm, unit)` (`systemctl show` MainPID, ActiveState,
 *   ActiveEnterTimestampMonotonic, NRestarts), `log(message)`, `results` (the boot test's record).
 * @returns whether the check passed.
 */
export async function checkFrozenKioskRestarted(vm, { check, waitFor, getJson, activeSinceBoot, log, results }) {
  const NAME = 'kiosk health: a frozen kiosk (renderers SIGSTOPped) is restarted on the service\'s request and its new page reports again';
  const kiosk = () => kioskStatus(getJson);
  const orNull = (promise) => noteFailure(promise, results, 'frozen kiosk');
  const detail = {};

  // The kiosk page's heartbeats (it needs the page loaded: under TCG that took up to 100 s after a start).
  const before = await orNull(waitFor('heartbeats from the kiosk page (status.kiosk.state alive)', 300, async () => {
    const k = await kiosk();
    return k?.state === 'alive' ? k : null;
  }));
  detail.before = before;
  if (!before) return check(NAME, false, { ...detail, why: 'the kiosk page never reported (status.kiosk)', kiosk: await kiosk().catch((e) => e.message) });
  const unitBefore = await activeSinceBoot(vm, 'vtlink-kiosk.service');
  // What the watch did before (e.g. during the kill-Chromium check: a kiosk restarted by systemd itself must be left alone).
  detail.watchJournalBefore = (await vm.sh('journalctl -b -u vtlink-kiosk-watch.service --no-pager -o cat | grep vtlink-kiosk-watch: | tail -n 5')).text;

  // Freeze: stop every renderer of the kiosk user.
  const frozenAt = Date.now();
  const stopped = await vm.sh('pids=$(pgrep -u vtlink-kiosk -f -- --type=renderer | tr "\\n" " "); echo "$pids"; [ -n "$pids" ] && kill -STOP $pids');
  const pids = stopped.text.trim().split(/\s+/).filter((p) => /^\d+$/.test(p));
  detail.stoppedRenderers = pids;
  if (stopped.code !== 0 || pids.length === 0) return check(NAME, false, { ...detail, why: `no kiosk renderer to stop: ${stopped.text}` });
  log(`frozen kiosk: SIGSTOPped renderers ${pids.join(' ')} (cage pid ${unitBefore.MainPID}); the service should ask for a restart after 30 s`);

  let unitAfter = null;
  let after = null;
  try {
    unitAfter = await orNull(waitFor('the kiosk restarted (a new cage process)', 240, async () => {
      const s = await activeSinceBoot(vm, 'vtlink-kiosk.service');
      return s.ActiveState === 'active' && s.MainPID !== unitBefore.MainPID && Number(s.ActiveEnterTimestampMonotonic) > Number(unitBefore.ActiveEnterTimestampMonotonic) ? s : null;
    }));
    if (unitAfter) results.times.kioskFreezeToRestartS = +((Date.now() - frozenAt) / 1000).toFixed(1);
    after = unitAfter && await orNull(waitFor('heartbeats from the restarted kiosk page', 400, async () => {
      const k = await kiosk();
      return k?.state === 'alive' && k.restartsRequested > before.restartsRequested ? k : null;
    }));
    if (after) results.times.kioskFreezeToHeartbeatS = +((Date.now() - frozenAt) / 1000).toFixed(1);
  } finally {
    // Whatever happened: no stopped renderer is left behind for the next checks.
    const left = await vm.sh(`for p in ${pids.join(' ')}; do [ -e /proc/$p ] && echo $p && kill -CONT $p; done; true`);
    detail.stoppedRenderersLeft = left.text.trim().split(/\s+/).filter(Boolean);
  }

  const watchJournal = (await vm.sh('journalctl -b -u vtlink-kiosk-watch.service --no-pager -o cat | grep vtlink-kiosk-watch: | tail -n 3')).text;
  const serviceJournal = (await vm.sh('journalctl -b -u vtlink.service --no-pager -o cat | grep "kiosk:" | tail -n 4')).text;
  // The path unit still watches (active), the oneshot ran cleanly (a failed one would also fail "no failed units").
  const units = (await vm.sh('echo "path=$(systemctl show -P ActiveState vtlink-kiosk-watch.path) service=$(systemctl show -P Result vtlink-kiosk-watch.service)"')).text;
  Object.assign(detail, {
    cage: [unitBefore.MainPID, unitAfter?.MainPID ?? null],
    after,
    freezeToRestartS: results.times.kioskFreezeToRestartS ?? null,
    freezeToHeartbeatS: results.times.kioskFreezeToHeartbeatS ?? null,
    watchJournal,
    serviceJournal,
    units,
  });
  results.frozenKiosk = detail;
  const ok = Boolean(unitAfter && after)
    && detail.stoppedRenderersLeft.length === 0
    && /reports the kiosk frozen \(.*no new frame from the kiosk.*\); restarting vtlink-kiosk\.service/.test(watchJournal)
    && /restart requested/.test(serviceJournal)
    && units.trim() === 'path=active service=success';
  return check(NAME, ok, detail);
}

/**
 * Optional, a separate check (about 3-5 min under TCG): a compositor that fails to start is retried.
 * Replaces cage by /bin/false for a while (a bind mount: the root stays read-only) and restarts the
 * kiosk: cage fails at every start and `Restart=always` tries again until the start limit (StartLimitBurst
 * in StartLimitIntervalSec) stops it, or, on a guest whose failed starts are slower than the limit's
 * pace (arm64 under TCG), for as long as it fails. Once the limit is hit, or its interval has passed with
 * the kiosk still failing, cage is put back and the kiosk must come back by itself and its page report
 * heartbeats. What brought it back is read from the journal and must be the one retry path: after a
 * start limit, the cool-down unit (vtlink-kiosk-retry.service, OnFailure=) ran, and nothing else asked
 * for refused starts meanwhile (an `Upholds=` did, about 16 times every 10 s, before; systemd/README.md).
 * Cleans up (unmount, reset-failed, start) whatever happens.
 *
 * Same parameters and result as checkFrozenKioskRestarted, plus `unitFile` (the kiosk unit's text).
 */
export async function checkFailedCompositorRetried(vm, { check, waitFor, getJson, activeSinceBoot, log, results, unitFile }) {
  const NAME = 'kiosk: a compositor that fails to start is retried, and the kiosk comes back by itself once it can start';
  const limitIntervalS = Number(/^StartLimitIntervalSec=(\d+)$/m.exec(unitFile)?.[1]);
  if (!limitIntervalS) throw new Error('vtlink-kiosk.service: StartLimitIntervalSec= not found');
  const kiosk = () => kioskStatus(getJson);
  const orNull = (promise) => noteFailure(promise, results, 'failed compositor');
  const show = async (unit, prop) => (await vm.sh(`systemctl show -P ${prop} ${unit}`)).text.trim();
  const detail = {};
  const before = await activeSinceBoot(vm, 'vtlink-kiosk.service');
  const kioskBefore = await kiosk().catch(() => null);
  const brokenAt = Date.now();
  let failing = null;
  let back = null;
  let reporting = null;
  try {
    const broke = await vm.sh('mount --bind /bin/false /usr/bin/cage && systemctl --no-block restart vtlink-kiosk.service && echo broken');
    detail.broke = broke.text;
    if (!/broken/.test(broke.text)) return check(NAME, false, detail);
    log('failed compositor: cage replaced by /bin/false; waiting for the start limit, or its interval with the kiosk still failing');
    const limitMessages = async () => Number((await vm.sh("journalctl -b -u vtlink-kiosk.service --no-pager -o cat | grep -c 'Start request repeated too quickly'")).text.trim()) || 0;
    const limitBefore = await limitMessages();
    failing = await orNull(waitFor('the start limit, or its interval with the kiosk still failing', limitIntervalS + 120, async () => {
      if ((await limitMessages()) > limitBefore) return 'start limit hit';
      const failedStarts = Number(await show('vtlink-kiosk.service', 'NRestarts')) - Number(before.NRestarts);
      return Date.now() - brokenAt > limitIntervalS * 1000 && failedStarts >= 2 ? `still failing after ${limitIntervalS} s (${failedStarts} failed starts)` : null;
    }, 2000));
    await vm.sh('umount /usr/bin/cage');
    detail.failing = failing;
    detail.cageBackAfterS = +((Date.now() - brokenAt) / 1000).toFixed(1);
    log('failed compositor: cage back; waiting for the kiosk to come back by itself');
    back = failing && await orNull(waitFor('the kiosk started again by itself', 2 * limitIntervalS + 120, async () => {
      const s = await activeSinceBoot(vm, 'vtlink-kiosk.service');
      return s.ActiveState === 'active' && Number(s.ActiveEnterTimestampMonotonic) > Number(before.ActiveEnterTimestampMonotonic) && (await show('vtlink-kiosk.service', 'Result')) === 'success' ? s : null;
    }));
    detail.activeAgainAfterS = back ? +((Date.now() - brokenAt) / 1000).toFixed(1) : null;
    reporting = back && await orNull(waitFor('heartbeats from the kiosk page again', 400, () => kioskReporting(getJson)));
    detail.heartbeatsAgainAfterS = reporting ? +((Date.now() - brokenAt) / 1000).toFixed(1) : null;
  } finally {
    await vm.sh('mountpoint -q /usr/bin/cage && umount /usr/bin/cage; systemctl is-active -q vtlink-kiosk.service || { systemctl reset-failed vtlink-kiosk.service; systemctl start --no-block vtlink-kiosk.service; }; true');
  }
  // Which path brought it back: after a start limit, the cool-down unit must have run; more refused
  // starts than cool-downs mean a second retry path (a flood in the journal).
  const journal = (await vm.sh('journalctl -b -u vtlink-kiosk.service -u vtlink-kiosk-retry.service --no-pager -o cat')).text;
  detail.journal = {
    startLimitHit: (journal.match(/Start request repeated too quickly/g) ?? []).length,
    coolDownSkipped: (journal.match(/vtlink-kiosk-retry.service: Skipped due to 'exec-condition'/g) ?? []).length,
    coolDownRan: (journal.match(/vtlink-kiosk-retry\.service: Deactivated successfully/g) ?? []).length,
    upheld: (journal.match(/upholds it/g) ?? []).length,
  };
  // Each start limit hit is one refused start, followed by one run of the cool-down unit.
  const onePath = detail.journal.upheld === 0 && detail.journal.startLimitHit === detail.journal.coolDownRan;
  detail.cage = [before.MainPID, back?.MainPID ?? null];
  detail.kiosk = [kioskBefore, reporting];
  results.failedCompositor = detail;
  return check(NAME, Boolean(failing && back && reporting && onePath), detail);
}

/**
 * A deliberate stop must stay a stop: cage 0.1.4 aborts on SIGTERM, and the kiosk unit counts that
 * SIGABRT as a clean end (SuccessExitStatus=), so `systemctl stop` leaves it inactive with Result
 * "success", its OnFailure= cool-down never runs, and nothing starts it again. Stops the kiosk, waits
 * past the cool-down's 60 s, checks, then starts it again and waits for its page's heartbeats, so the
 * checks after this one find a working kiosk. Same parameters as checkFrozenKioskRestarted.
 */
export async function checkStoppedKioskStaysStopped(vm, { check, waitFor, getJson, log, results }) {
  const NAME = 'kiosk: a deliberate stop ends clean (cage aborts on SIGTERM) and stays stopped: not failed, no cool-down, no restart';
  const state = async () => Object.fromEntries((await vm.sh('systemctl show -p ActiveState -p Result -p ExecMainCode -p ExecMainStatus vtlink-kiosk.service')).text.trim().split('\n').map((l) => l.split('=')));
  const coolDownLines = async () => Number((await vm.sh('journalctl -b -u vtlink-kiosk-retry.service --no-pager -o cat | wc -l')).text.trim());
  const detail = {};
  const linesBefore = await coolDownLines();
  try {
    await vm.sh('systemctl stop vtlink-kiosk.service', 60);
    const stoppedAt = Date.now();
    detail.afterStop = await state();
    log('stopped kiosk: stopped; waiting past the cool-down unit\'s 60 s');
    await waitFor('past the cool-down unit\'s 60 s', 120, async () => (Date.now() - stoppedAt > 75_000 ? true : null), 5000);
    detail.later = await state();
    detail.coolDownJournalLines = (await coolDownLines()) - linesBefore;
  } finally {
    await vm.sh('systemctl start --no-block vtlink-kiosk.service');
  }
  // ExecMainCode 2 = killed (CLD_KILLED), status 6 = SIGABRT: the abort the unit accepts as clean.
  const ok = detail.afterStop.ActiveState === 'inactive' && detail.afterStop.Result === 'success' &&
    detail.later.ActiveState === 'inactive' && detail.coolDownJournalLines === 0;
  detail.heartbeatsAgain = (await noteFailure(waitFor('heartbeats from the kiosk page after its start', 400, () => kioskReporting(getJson)), results, 'stopped kiosk'))?.state ?? null;
  results.stoppedKiosk = detail;
  return check(NAME, ok, detail);
}

/** The service's view of its kiosk page (status.kiosk). */
async function kioskStatus(getJson) {
  return (await getJson('/api/status')).kiosk;
}

/** status.kiosk while its page reports (a heartbeat in the last 10 s), else null: a waitFor probe. */
async function kioskReporting(getJson) {
  const k = await kioskStatus(getJson);
  return k?.state === 'alive' && k.lastHeartbeatAgoMs < 10_000 ? k : null;
}

/** `promise`, or null when it fails: the failure goes into the boot test's notes under `label`. */
function noteFailure(promise, results, label) {
  return promise.catch((e) => {
    results.notes.push(`${label}: ${e.message}`);
    return null;
  });
}
