#include "projections/status.h"

#include <algorithm>
#include <map>
#include <set>

#include "ledger/base/encoding.h"
#include "projections/render.h"

namespace custody {
namespace {

constexpr TimeNs kMinute = 60LL * 1000000000;
constexpr TimeNs kDay = 24 * 60 * kMinute;

// The acts that count: those no later, still standing correction supersedes.
// A correction that is itself superseded supersedes nothing.
std::set<uint64_t> Superseded(const IncidentState& s) {
  std::set<uint64_t> out;
  for (auto it = s.acts.rbegin(); it != s.acts.rend(); ++it)
    if (it->corrects && !out.count(it->seq) && it->corrects != s.incident) out.insert(it->corrects);
  return out;
}

template <typename T>
const T* As(const Act& a) {
  return std::get_if<T>(&a.payload);
}

std::string Who(const Hash32& key) { return ShortNpub(key); }

// First standing act recording a runbook step.
struct StepDoneAt {
  const Act* act = nullptr;
  std::string detail;
};

std::string StepOfAct(const Act& a) {
  if (auto* p = As<SecretRotatedPayload>(a)) return p->step;
  if (auto* p = As<InvalidatedPayload>(a)) return p->step;
  if (auto* p = As<UserNotifiedPayload>(a)) return p->step;
  if (auto* p = As<BlockedPayload>(a)) return p->step;
  if (auto* p = As<StepPayload>(a)) return p->step;
  return "";
}

std::string NoteOf(const Act& a) {
  if (auto* p = As<SecretRotatedPayload>(a)) return p->note;
  if (auto* p = As<InvalidatedPayload>(a)) return p->note;
  if (auto* p = As<UserNotifiedPayload>(a)) return p->note;
  if (auto* p = As<BlockedPayload>(a)) return p->note;
  if (auto* p = As<StepPayload>(a)) return p->note;
  return "";
}

void MarkItem(Item* item, const Act& a, std::string detail) {
  item->state =
      (item->due_ns && a.occurred_ns > item->due_ns) ? ItemState::kDoneLate : ItemState::kDone;
  item->done_ns = a.occurred_ns;
  item->seq = a.seq;
  item->by = a.author;
  item->detail = std::move(detail);
}

}  // namespace

std::string_view ItemStateName(ItemState s) {
  switch (s) {
    case ItemState::kDone:
      return "done";
    case ItemState::kDoneLate:
      return "done late";
    case ItemState::kPending:
      return "pending";
    case ItemState::kOverdue:
      return "overdue";
    case ItemState::kSkipped:
      return "skipped";
  }
  return "unknown";
}

TimeNs BusinessDaysAfter(TimeNs t, int n) {
  int64_t day = t / kDay;  // days since 1970-01-01, a Thursday
  while (n > 0) {
    ++day;
    const int weekday = static_cast<int>((day + 3) % 7);  // 0 = Monday
    if (weekday < 5) --n;
  }
  return (day + 1) * kDay;
}

std::string FormatDuration(TimeNs d) {
  const bool negative = d < 0;
  int64_t s = (negative ? -d : d) / 1000000000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (!out.empty()) {
    const int64_t m = s / 60;
    out += (m < 10 ? "0" : "") + std::to_string(m) + "m";
  } else if (s >= 60) {
    out += std::to_string(s / 60) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  } else {
    out += std::to_string(s) + "s";
  }
  return (negative ? "-" : "") + out;
}

namespace {

// One evaluation of one incident: the parts of Evaluate in order, each a
// method, sharing what the earlier ones established.
class Evaluation {
 public:
  Evaluation(const IncidentState& s, const Runbook& rb, TimeNs now_ns)
      : s(s), rb(rb), now_ns(now_ns) {}

  IncidentStatus Run(bool standing_only = false) {
    st.incident = s.incident;
    st.events = s.events;
    st.cadence_minutes = rb.sev1_internal_cadence_minutes;
    if (s.acts.empty()) return st;
    decl_act_ = &s.acts.front();
    decl = As<IncidentDeclaredPayload>(*decl_act_);
    if (!decl) return st;
    Declaration();
    Standing();
    Close();
    Changes();
    if (standing_only) return std::move(st);
    Sections();
    Communications();
    Reconciliations();
    Containment();
    Exit();
    return std::move(st);
  }

 private:
  // The runbook item done, if it is.
  const Item* done(const char* id) const {
    auto it = done_items.find(id);
    return it == done_items.end() ? nullptr : it->second;
  }

  void Declaration() {
    st.title = decl->title;
    st.summary = decl->summary;
    st.runbook = decl->runbook;
    st.runbook_current = decl->runbook == rb.version;
    st.declared_ns = decl_act_->occurred_ns;
    st.declared_by = decl_act_->author;
    st.severity = decl->severity;
    st.playbooks = decl->playbooks;
    st.window_minutes = decl->observation_window_minutes
                            ? decl->observation_window_minutes
                            : static_cast<uint32_t>(rb.observation_window_hours_default * 60);
    st.severity_history.push_back({decl_act_->seq, decl_act_->occurred_ns, decl_act_->author,
                                   SeverityName(decl->severity), "declared"});
    if (decl->playbooks)
      st.playbook_history.push_back({decl_act_->seq, decl_act_->occurred_ns, decl_act_->author,
                                     PlaybookNames(decl->playbooks), "declared"});
  }

  // The standing acts: those no correction supersedes.
  void Standing() {
    const std::set<uint64_t> superseded = Superseded(s);
    st.superseded.assign(superseded.begin(), superseded.end());
    for (const Act& a : s.acts) {
      if (a.corrects && a.corrects != s.incident)
        st.corrections.push_back(
            {a.seq, a.corrects, a.occurred_ns, a.author, As<CorrectionPayload>(a) != nullptr,
             As<CorrectionPayload>(a) ? As<CorrectionPayload>(a)->reason : ""});
      if (&a != decl_act_ && !superseded.count(a.seq) && !As<CorrectionPayload>(a))
        acts.push_back(&a);
    }
    std::stable_sort(acts.begin(), acts.end(),
                     [](const Act* a, const Act* b) { return a->occurred_ns < b->occurred_ns; });
  }

  void Close() {
    // The close ends what runs until close.
    for (const Act* a : acts)
      if (auto* c = As<ClosePayload>(*a); c && !st.closed) {
        st.closed = true;
        st.closed_ns = a->occurred_ns;
        st.closed_seq = a->seq;
        st.closed_by = a->author;
        st.root_cause = c->root_cause;
        st.override_reason = c->override_reason;
      }
    end_ns = st.closed ? st.closed_ns : now_ns;
    st.judged_at_ns = end_ns;
  }

  void Changes() {
    // Severity periods at SEV-1, commander, playbooks and freezes.
    TimeNs sev1_from = decl->severity == fb::Severity::Sev1 ? st.declared_ns : -1;
    std::map<std::string, Frozen> frozen;
    std::vector<const Act*> freezes;
    bool any_freeze = false;
    for (const Act* a : acts) {
      if (auto* p = As<SeverityPayload>(*a)) {
        st.severity_history.push_back(
            {a->seq, a->occurred_ns, a->author, SeverityName(p->severity), p->reason});
        if (p->severity == fb::Severity::Sev1 && sev1_from < 0) sev1_from = a->occurred_ns;
        if (p->severity != fb::Severity::Sev1 && sev1_from >= 0) {
          sev1.push_back({sev1_from, a->occurred_ns});
          sev1_from = -1;
        }
        st.severity = p->severity;
      } else if (auto* p = As<CommanderPayload>(*a)) {
        st.commanders.push_back({a->seq, a->occurred_ns, a->author, EncodeNpub(p->commander), ""});
        st.commander = p->commander;
      } else if (auto* p = As<PlaybookPayload>(*a)) {
        st.playbook_history.push_back(
            {a->seq, a->occurred_ns, a->author, PlaybookNames(p->playbooks), ""});
        st.playbooks |= p->playbooks;
      } else if (auto* p = As<FreezePayload>(*a)) {
        frozen[p->operation] = {p->operation, p->reason, a->seq, a->occurred_ns, a->author};
        st.freeze_history.push_back(
            {a->seq, a->occurred_ns, a->author, "froze " + p->operation, p->reason});
        if (!any_freeze) first_freeze = a;
        any_freeze = true;
      } else if (auto* p = As<UnfreezePayload>(*a)) {
        frozen.erase(p->operation);
        st.freeze_history.push_back(
            {a->seq, a->occurred_ns, a->author, "unfroze " + p->operation, p->reason});
      }
    }
    if (sev1_from >= 0) sev1.push_back({sev1_from, end_ns});
    for (auto& [op, f] : frozen) st.frozen.push_back(f);
  }

  void Sections() {
    // The runbook's sections.
    auto step_acts = [&](const std::string& step) {
      std::vector<const Act*> out;
      for (const Act* a : acts)
        if (StepOfAct(*a) == step) out.push_back(a);
      return out;
    };
    auto judge_open = [&](Item* item) {
      if (item->state != ItemState::kPending) return;
      if (st.closed && item->id.rfind("pir.", 0) != 0) {
        item->state = ItemState::kSkipped;
      } else if (item->due_ns && now_ns > item->due_ns) {
        item->state = ItemState::kOverdue;
      }
    };
    for (const RunbookSection& sec : rb.sections) {
      if (sec.applies == "playbook") {
        const auto bit = ParsePlaybook(sec.id);
        if (!bit.ok() || !(st.playbooks & *bit)) continue;
      }
      if (sec.applies == "close") continue;  // the exit criteria, below
      if (sec.applies == "after_close" && !st.closed) continue;
      SectionStatus out{sec.id, sec.title, 0, {}};
      if (sec.due_minutes) out.due_ns = st.declared_ns + sec.due_minutes * kMinute;
      if (sec.applies == "after_close")
        out.due_ns = BusinessDaysAfter(st.closed_ns, sec.due_business_days) - 1;
      for (const RunbookStep& step : sec.steps) {
        Item item{step.id, step.text, ItemState::kPending, out.due_ns, 0, 0, {}, ""};
        auto explicit_acts = step_acts(step.id);
        if (step.id == "first15.1") {
          for (const Act* a : acts)
            if (As<CommanderPayload>(*a)) {
              MarkItem(&item, *a,
                       "commander " + Who(As<CommanderPayload>(*a)->commander) + " assigned");
              break;
            }
          if (item.state == ItemState::kPending) item.detail = "no commander assigned";
        } else if (step.id == "first15.2") {
          if (first_freeze)
            MarkItem(&item, *first_freeze, "froze " + As<FreezePayload>(*first_freeze)->operation);
          if (!explicit_acts.empty() &&
              (!first_freeze || explicit_acts[0]->occurred_ns < first_freeze->occurred_ns))
            MarkItem(&item, *explicit_acts[0], "recorded as done");
          if (item.state == ItemState::kPending) item.detail = "nothing frozen";
        } else if (step.id == "first15.3") {
          const Act *logs = nullptr, *metrics = nullptr, *deploy = nullptr;
          for (const Act* a : acts) {
            if (auto* e = As<EvidencePayload>(*a)) {
              if (e->kind == fb::EvidenceKind::Logs && !logs) logs = a;
              if (e->kind == fb::EvidenceKind::Metrics && !metrics) metrics = a;
            }
            if (As<DeployPayload>(*a) && !deploy) deploy = a;
          }
          if (logs && metrics && deploy) {
            const Act* last = logs;
            for (const Act* a : {metrics, deploy})
              if (a->occurred_ns > last->occurred_ns) last = a;
            MarkItem(&item, *last, "logs, metrics snapshot and deploy hash preserved");
          } else if (!explicit_acts.empty()) {
            MarkItem(&item, *explicit_acts[0], "recorded as done");
          } else {
            std::vector<std::string> missing;
            if (!logs) missing.push_back("logs");
            if (!metrics) missing.push_back("metrics snapshot");
            if (!deploy) missing.push_back("deploy hash");
            item.detail = "missing: ";
            for (size_t i = 0; i < missing.size(); ++i) item.detail += (i ? ", " : "") + missing[i];
          }
        } else if (step.id == "first15.4") {
          MarkItem(&item, *decl_act_, "the ledger's timeline starts at the declaration");
        } else if (step.id == "funds.3") {
          for (const Act* a : acts)
            if (auto* r = As<ReconciliationPayload>(*a)) {
              if (r->Reconciles()) {
                MarkItem(&item, *a, "reconciles");
                break;
              }
              item.detail = "discrepancy (#" + std::to_string(a->seq) + ")";
            }
          if (item.state == ItemState::kPending && item.detail.empty())
            item.detail = "no reconciliation recorded";
        } else if (step.id == "pir.1") {
          for (const Act* a : acts)
            if (auto* p = As<PirPayload>(*a)) {
              MarkItem(&item, *a, "published " + p->name);
              break;
            }
        } else if (sec.id == "comms") {
          continue;  // rules, judged below
        } else {
          if (!explicit_acts.empty()) {
            const Act* a = explicit_acts[0];
            std::string what = NoteOf(*a);
            if (auto* r = As<SecretRotatedPayload>(*a))
              what = (!IsZero(r->new_key) ? "new key " + EncodeNpub(r->new_key)
                                          : "secret version \"" + r->label + "\"") +
                     (r->note.empty() ? "" : ": " + r->note);
            if (auto* n = As<UserNotifiedPayload>(*a); n && !n->channel.empty())
              what = "via " + n->channel + (what.empty() ? "" : ": " + what);
            if (what.empty()) what = "recorded as done";
            MarkItem(&item, *a, what);
          } else if (step.id == "B.4") {
            for (const Act* a : acts)
              if (auto* x = As<ExportPayload>(*a); x && x->scope == fb::ExportScope::User) {
                MarkItem(&item, *a, "evidence package exported for " + Who(x->user));
                break;
              }
          }
        }
        judge_open(&item);
        out.items.push_back(std::move(item));
      }
      if (!out.items.empty()) st.sections.push_back(std::move(out));
    }
    for (const auto& sec : st.sections)
      for (const auto& item : sec.items)
        if (item.state == ItemState::kDone || item.state == ItemState::kDoneLate)
          done_items[item.id] = &item;
  }

  void Communications() {
    // Communications: the SEV-1 internal cadence runs from declaration or the
    // change to SEV-1 until close or downgrade.
    const TimeNs cadence = st.cadence_minutes * kMinute;
    std::vector<const Act*> internal;
    for (const Act* a : acts) {
      auto* c = As<CommunicationPayload>(*a);
      if (!c) continue;
      if (c->audience == fb::Audience::Internal) {
        internal.push_back(a);
        continue;
      }
      External x{a->seq, a->occurred_ns, c->next_update_ns, a->author, ""};
      st.external.push_back(x);
    }
    for (size_t i = 0; i < st.external.size(); ++i) {
      External& x = st.external[i];
      if (i + 1 < st.external.size()) {
        const External& next = st.external[i + 1];
        x.followed = (next.at_ns <= x.next_update_ns ? "kept (#" : "late (#") +
                     std::to_string(next.seq) + ")";
      } else if (st.closed) {
        x.followed = st.closed_ns > x.next_update_ns ? "missed (no update before the close)"
                                                     : "closed before the next update";
      } else {
        x.followed = now_ns > x.next_update_ns ? "overdue" : "due";
      }
    }
    if (cadence > 0) {
      for (auto [from, to] : sev1) {
        TimeNs due = from + cadence;
        for (const Act* a : internal) {
          if (a->occurred_ns < from || a->occurred_ns > to) continue;
          Update u{a->seq, a->occurred_ns, due, a->author, a->occurred_ns > due};
          if (u.late)
            st.cadence_findings.push_back("internal update #" + std::to_string(a->seq) + " at " +
                                          FormatTimeHuman(a->occurred_ns) + " was " +
                                          FormatDuration(a->occurred_ns - due) + " late (due " +
                                          FormatTimeHuman(due) + ")");
          st.internal_updates.push_back(u);
          due = a->occurred_ns + cadence;
        }
        if (due < to) {
          const bool running = !st.closed && to == end_ns && sev1.back().first == from &&
                               st.severity == fb::Severity::Sev1;
          if (running) {
            st.cadence_findings.push_back("internal update overdue since " + FormatTimeHuman(due));
          } else {
            st.cadence_findings.push_back("internal update due " + FormatTimeHuman(due) +
                                          " was not sent before " + FormatTimeHuman(to));
          }
        }
        if (!st.closed && st.severity == fb::Severity::Sev1 && to == end_ns)
          st.next_internal_due_ns = due;
      }
    }
  }

  void Reconciliations() {
    // Reconciliations.
    for (const Act* a : acts)
      if (auto* r = As<ReconciliationPayload>(*a))
        st.reconciliations.push_back({a->seq, a->occurred_ns, a->author, *r, Discrepancies(*r)});
  }

  void Containment() {
    // Containment: every active playbook's rotation and invalidation done; with
    // no playbook active, the first freeze.
    {
      std::vector<const char*> need;
      if (st.playbooks & 1) need.insert(need.end(), {"A.1", "A.2"});
      if (st.playbooks & 2) need.insert(need.end(), {"B.3"});
      if (st.playbooks & 4) need.insert(need.end(), {"C.1", "C.2"});
      if (need.empty()) {
        st.containment = "first freeze (no key-compromise playbook active)";
        if (first_freeze) st.containment_ns = first_freeze->occurred_ns;
      } else {
        st.containment = "keys and secrets rotated, old paths invalidated (";
        for (size_t i = 0; i < need.size(); ++i)
          st.containment += std::string(i ? ", " : "") + need[i];
        st.containment += ")";
        TimeNs t = 0;
        bool all = true;
        for (const char* id : need) {
          const Item* item = done(id);
          if (!item)
            all = false;
          else
            t = std::max(t, item->done_ns);
        }
        if (all) st.containment_ns = t;
      }
    }
  }

  void Exit() {
    // Exit criteria, judged at the close (or now) on occurred time: what
    // happened after the close does not change whether they held when it closed.
    std::vector<const Act*> until_end;
    for (const Act* a : acts)
      if (a->occurred_ns <= end_ns) until_end.push_back(a);
    auto done_by_end = [&](const char* id) {
      const Item* item = done(id);
      return item && item->done_ns <= end_ns;
    };
    std::vector<const Reconciled*> reconciled;
    for (const Reconciled& r : st.reconciliations)
      if (r.at_ns <= end_ns) reconciled.push_back(&r);
    for (const RunbookSection& sec : rb.sections) {
      if (sec.applies != "close") continue;
      for (const RunbookStep& step : sec.steps) {
        Criterion c{step.id, step.text, false, ""};
        if (step.id == "exit.1") {
          const Act* rc = nullptr;
          for (const Act* a : until_end)
            if (As<RootCausePayload>(*a)) rc = a;
          if (rc) {
            c.holds = true;
            c.why = std::string(As<RootCausePayload>(*rc)->bounded ? "bounded" : "identified") +
                    " (#" + std::to_string(rc->seq) + "): " + As<RootCausePayload>(*rc)->text;
          } else if (st.closed) {
            c.holds = true;
            c.why = "given at close: " + st.root_cause;
          } else {
            c.why = "no root cause recorded (a root cause event, or one given at close)";
          }
        } else if (step.id == "exit.2") {
          std::vector<const char*> need;
          if (st.playbooks & 1) need.insert(need.end(), {"A.1", "A.2"});
          if (st.playbooks & 2) need.insert(need.end(), {"B.3"});
          if (st.playbooks & 4) need.insert(need.end(), {"C.1", "C.2"});
          std::string missing;
          for (const char* id : need)
            if (!done_by_end(id)) missing += std::string(missing.empty() ? "" : ", ") + id;
          c.holds = missing.empty();
          c.why = need.empty()      ? "no key-compromise playbook active"
                  : missing.empty() ? "rotations and invalidations done"
                                    : "not done: " + missing;
        } else if (step.id == "exit.3") {
          if (reconciled.empty()) {
            c.why = "no reconciliation recorded";
          } else {
            const Reconciled& last = *reconciled.back();
            c.holds = last.discrepancies.empty();
            c.why = (c.holds ? "latest reconciliation (#"
                             : "latest reconciliation has a discrepancy (#") +
                    std::to_string(last.seq) + ")";
          }
        } else if (step.id == "exit.4") {
          const TimeNs window = static_cast<TimeNs>(st.window_minutes) * kMinute;
          const Act* best = nullptr;
          for (const Act* a : until_end)
            if (auto* p = As<StepPayload>(*a); p && p->step == "exit.4") best = a;
          if (!best) {
            c.why =
                "no monitoring confirmation (an exit.4 step with its stable-since time); window " +
                FormatDuration(window);
          } else {
            // Stable since before the declaration counts from the declaration.
            const TimeNs stable = best->occurred_ns -
                                  std::max(As<StepPayload>(*best)->stable_since_ns, st.declared_ns);
            c.holds = stable >= window;
            c.why = "stable for " + FormatDuration(stable) + " of a " + FormatDuration(window) +
                    " window (#" + std::to_string(best->seq) + ")";
          }
        }
        st.exit.push_back(std::move(c));
      }
    }
    if (st.closed)
      for (const Criterion& c : st.exit)
        if (!c.holds) st.unmet_at_close.push_back(c.id);
    for (const RunbookSection& sec : rb.sections)
      if (sec.applies == "after_close" && st.closed)
        st.pir_due_ns = BusinessDaysAfter(st.closed_ns, sec.due_business_days) - 1;
  }

  const IncidentState& s;
  const Runbook& rb;
  const TimeNs now_ns;
  IncidentStatus st;
  const Act* decl_act_ = nullptr;
  const IncidentDeclaredPayload* decl = nullptr;
  std::vector<const Act*> acts;                 // standing, in occurred-time order (then seq)
  TimeNs end_ns = 0;                            // the close, or now
  std::vector<std::pair<TimeNs, TimeNs>> sev1;  // periods at SEV-1
  const Act* first_freeze = nullptr;
  std::map<std::string, const Item*> done_items;
};

}  // namespace

IncidentStatus Evaluate(const IncidentState& s, const Runbook& rb, TimeNs now_ns) {
  return Evaluation(s, rb, now_ns).Run();
}

IncidentStatus EvaluateStanding(const IncidentState& s, const Runbook& rb, TimeNs now_ns) {
  return Evaluation(s, rb, now_ns).Run(/*standing_only=*/true);
}

int OverdueCount(const IncidentStatus& st) {
  int n = 0;
  for (const SectionStatus& sec : st.sections)
    for (const Item& item : sec.items) n += item.state == ItemState::kOverdue;
  if (st.next_internal_due_ns && st.next_internal_due_ns < st.judged_at_ns) ++n;
  for (const External& x : st.external) n += x.followed == "overdue";
  return n;
}

std::string UnmetAtClose(const IncidentStatus& st) {
  std::string out;
  for (const std::string& id : st.unmet_at_close) out += (out.empty() ? "" : ", ") + id;
  return out;
}

std::string StatusText(const IncidentStatus& st) {
  std::string o;
  auto t = [](TimeNs v) { return FormatTimeHuman(v); };
  o += IncidentName(st.incident) + "  " + SeverityName(st.severity) + "  " +
       (st.closed ? "closed" : "open") + "  " + Printable(st.title) + "\n";
  o += "declared " + t(st.declared_ns) + " by " + ShortNpub(st.declared_by) + "; " +
       std::to_string(st.events) + " events; runbook " + EncodeHex(st.runbook).substr(0, 16) +
       (st.runbook_current ? " (current)" : " (NOT the runbook this custody carries)") + "\n";
  o += "commander: " + (st.commander ? EncodeNpub(*st.commander) : std::string("none assigned")) +
       "\n";
  o += "playbooks: " + (st.playbooks ? PlaybookNames(st.playbooks) : std::string("none active")) +
       "\n";
  o += "severity history:";
  for (const Change& c : st.severity_history)
    o += "\n  " + t(c.at_ns) + "  " + c.what + "  " + Printable(c.reason) + " (#" +
         std::to_string(c.seq) + ")";
  o += "\nfrozen now:";
  if (st.frozen.empty()) o += " nothing";
  for (const Frozen& f : st.frozen)
    o += "\n  " + f.operation + " since " + t(f.since_ns) + " by " + ShortNpub(f.by) + ": " +
         Printable(f.reason);
  if (!st.freeze_history.empty()) {
    o += "\nfreeze history:";
    for (const Change& c : st.freeze_history)
      o += "\n  " + t(c.at_ns) + "  " + c.what +
           (c.reason.empty() ? "" : ": " + Printable(c.reason)) + " (#" + std::to_string(c.seq) +
           ")";
  }
  o += "\n";
  for (const SectionStatus& sec : st.sections) {
    if (sec.items.empty()) continue;
    o += "\n" + sec.id + ": " + sec.title;
    if (sec.due_ns) o += " (due " + t(sec.due_ns) + ")";
    o += "\n";
    for (const Item& item : sec.items) {
      std::string label = "[" + std::string(ItemStateName(item.state)) + "]";
      label.resize(12, ' ');
      o += "  " + label + item.id;
      o += std::string(item.id.size() < 10 ? 10 - item.id.size() : 1, ' ');
      if (item.seq)
        o += t(item.done_ns) + " by " + ShortNpub(item.by) + " (#" + std::to_string(item.seq) +
             "): " + Printable(item.detail);
      else
        o += Printable(item.text) + (item.detail.empty() ? "" : " — " + Printable(item.detail));
      o += "\n";
    }
  }
  o += "\ncommunications:\n";
  if (st.cadence_minutes) {
    o += "  comms.1 internal cadence (SEV-1, every " + std::to_string(st.cadence_minutes) +
         " min): " + std::to_string(st.internal_updates.size()) + " updates";
    size_t late = 0;
    for (const Update& u : st.internal_updates) late += u.late;
    o += ", " + std::to_string(late) + " late";
    if (st.next_internal_due_ns) o += "; next due " + t(st.next_internal_due_ns);
    o += "\n";
    for (const std::string& f : st.cadence_findings) o += "    " + f + "\n";
  }
  o += "  comms.2 external messages: " + std::to_string(st.external.size()) + "\n";
  for (const External& x : st.external)
    o += "    #" + std::to_string(x.seq) + " " + t(x.at_ns) + ", next update promised by " +
         t(x.next_update_ns) + ": " + x.followed + "\n";
  o += "\nreconciliation:";
  if (st.reconciliations.empty()) o += " none recorded";
  for (const Reconciled& r : st.reconciliations) {
    o += "\n  #" + std::to_string(r.seq) + " " + t(r.at_ns) + " by " + ShortNpub(r.by) + ": ";
    if (r.discrepancies.empty()) o += "reconciles";
    for (size_t i = 0; i < r.discrepancies.size(); ++i)
      o += (i ? "; " : "discrepancy: ") + r.discrepancies[i];
  }
  o += "\n\nexit criteria:\n";
  for (const Criterion& c : st.exit)
    o += "  [" + std::string(c.holds ? "holds" : "not met") + "] " + c.id + " " +
         Printable(c.text) + " — " + Printable(c.why) + "\n";
  if (st.closed) {
    o += "\nclosed " + t(st.closed_ns) + " by " + ShortNpub(st.closed_by) + " (#" +
         std::to_string(st.closed_seq) + "); root cause: " + Printable(st.root_cause) + "\n";
    if (!st.override_reason.empty()) {
      const std::string unmet = UnmetAtClose(st);
      o += unmet.empty() ? "override recorded at close although every exit criterion held: "
                         : "exit criteria OVERRIDDEN at close (" + unmet + " not met): ";
      o += Printable(st.override_reason) + "\n";
    } else if (!st.unmet_at_close.empty()) {
      // The close was checked when appended; events since (a late record, a
      // correction, an event not made through the CLI) say otherwise.
      o += "WARNING: closed without an override, but by the events as they stand " +
           UnmetAtClose(st) + " did not hold at the close\n";
    }
    o +=
        "PIR due by " + t(st.pir_due_ns) + " (5 business days after close, Monday to Friday UTC)\n";
  } else {
    size_t holding = 0;
    for (const Criterion& c : st.exit) holding += c.holds;
    o += holding == st.exit.size()
             ? "\nall exit criteria hold: the incident can close\n"
             : "\nthe incident cannot close yet (" + std::to_string(st.exit.size() - holding) +
                   " exit criteria not met); --override REASON records an exception\n";
  }
  if (!st.corrections.empty()) {
    o += "\ncorrections:\n";
    for (const Corrected& c : st.corrections)
      o += "  #" + std::to_string(c.seq) + (c.retraction ? " retracts #" : " replaces #") +
           std::to_string(c.target) + (c.reason.empty() ? "" : ": " + Printable(c.reason)) + "\n";
  }
  return o;
}

nlohmann::ordered_json StatusJson(const IncidentStatus& st) {
  using J = nlohmann::ordered_json;
  auto when = [](TimeNs v) { return v ? J(FormatTime(v)) : J(nullptr); };
  auto changes = [&](const std::vector<Change>& v) {
    J out = J::array();
    for (const Change& c : v)
      out.push_back({{"seq", c.seq},
                     {"at", FormatTime(c.at_ns)},
                     {"by", EncodeNpub(c.by)},
                     {"what", c.what},
                     {"reason", c.reason}});
    return out;
  };
  J j;
  j["incident"] = IncidentName(st.incident);
  j["title"] = st.title;
  j["summary"] = st.summary.empty() ? J(nullptr) : J(st.summary);
  j["status"] = st.closed ? "closed" : "open";
  j["severity"] = SeverityName(st.severity);
  j["runbook"] = EncodeHex(st.runbook);
  j["runbook_current"] = st.runbook_current;
  j["events"] = st.events;
  j["declared"] = FormatTime(st.declared_ns);
  j["declared_by"] = EncodeNpub(st.declared_by);
  j["judged_at"] = FormatTime(st.judged_at_ns);
  j["commander"] = st.commander ? J(EncodeNpub(*st.commander)) : J(nullptr);
  j["playbooks"] = PlaybookNames(st.playbooks);
  j["severity_history"] = changes(st.severity_history);
  j["commanders"] = changes(st.commanders);
  j["playbook_history"] = changes(st.playbook_history);
  j["frozen"] = J::array();
  for (const Frozen& f : st.frozen)
    j["frozen"].push_back({{"operation", f.operation},
                           {"since", FormatTime(f.since_ns)},
                           {"by", EncodeNpub(f.by)},
                           {"reason", f.reason},
                           {"seq", f.seq}});
  j["freeze_history"] = changes(st.freeze_history);
  j["sections"] = J::array();
  for (const SectionStatus& sec : st.sections) {
    J items = J::array();
    for (const Item& i : sec.items)
      items.push_back({{"id", i.id},
                       {"state", std::string(ItemStateName(i.state))},
                       {"due", when(i.due_ns)},
                       {"done", when(i.done_ns)},
                       {"seq", i.seq ? J(i.seq) : J(nullptr)},
                       {"by", i.seq ? J(EncodeNpub(i.by)) : J(nullptr)},
                       {"detail", i.detail},
                       {"text", i.text}});
    j["sections"].push_back(
        {{"id", sec.id}, {"title", sec.title}, {"due", when(sec.due_ns)}, {"items", items}});
  }
  J updates = J::array();
  for (const Update& u : st.internal_updates)
    updates.push_back({{"seq", u.seq},
                       {"at", FormatTime(u.at_ns)},
                       {"due", FormatTime(u.due_ns)},
                       {"late", u.late}});
  J external = J::array();
  for (const External& x : st.external)
    external.push_back({{"seq", x.seq},
                        {"at", FormatTime(x.at_ns)},
                        {"next_update", FormatTime(x.next_update_ns)},
                        {"followed", x.followed}});
  j["communications"] = {{"cadence_minutes", st.cadence_minutes},
                         {"internal_updates", updates},
                         {"findings", st.cadence_findings},
                         {"next_internal_due", when(st.next_internal_due_ns)},
                         {"external", external}};
  j["reconciliations"] = J::array();
  for (const Reconciled& r : st.reconciliations)
    j["reconciliations"].push_back({{"seq", r.seq},
                                    {"at", FormatTime(r.at_ns)},
                                    {"by", EncodeNpub(r.by)},
                                    {"reconciles", r.discrepancies.empty()},
                                    {"discrepancies", r.discrepancies}});
  j["exit_criteria"] = J::array();
  for (const Criterion& c : st.exit)
    j["exit_criteria"].push_back({{"id", c.id}, {"holds", c.holds}, {"why", c.why}});
  j["containment"] = {{"at", when(st.containment_ns)}, {"means", st.containment}};
  j["observation_window_minutes"] = st.window_minutes;
  j["close"] =
      st.closed
          ? J{{"at", FormatTime(st.closed_ns)},
              {"seq", st.closed_seq},
              {"by", EncodeNpub(st.closed_by)},
              {"root_cause", st.root_cause},
              {"override_reason", st.override_reason.empty() ? J(nullptr) : J(st.override_reason)},
              {"unmet_at_close", st.unmet_at_close},
              {"pir_due", FormatTime(st.pir_due_ns)}}
          : J(nullptr);
  j["corrections"] = J::array();
  for (const Corrected& c : st.corrections)
    j["corrections"].push_back(
        {{"seq", c.seq}, {"target", c.target}, {"retraction", c.retraction}, {"reason", c.reason}});
  return j;
}

}  // namespace custody
