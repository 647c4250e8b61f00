// The rule set: whether an event may follow the ledger as it stands before
// it. Every rule of docs/rules.md is written here once, and every writer and
// every verifier runs it: Store::Append and Store::Commit before anything is
// written, `custody verify` over the whole ledger, `verify-package` over what a
// package holds (the rules a package can show).
//
// A RuleSet is the state the rules judge the next event against — the chain
// head, the members, the per-user back-links, the incidents, the stored
// checkpoints and evidence sizes, what each incident's runbook says — plus the
// rules. Append() checks one event against it and then applies the event.
//
// Kinds (DESIGN.md "Rules"): an integrity rule broken fails verify; a runbook
// policy rule (judged on time, the secret scan) is refused at append and,
// found in a store, reported as a finding. An integrity rule added after the
// ledger's storage format was written is a finding for that ledger too.
//
// A RuleSet either holds everything it has seen in memory (built from the
// genesis on, no lookups), or asks a Lookup for what it has forgotten: the
// append path resumes after a stored head and the store answers from its
// indexes; verify, built from the genesis, reads a referenced event back. Thread safety: none; one
// owner. Copyable: the append pipeline builds batch k+1 on a copy while batch k is written.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/event.h"
#include "ledger/membership.h"
#include "projections/incident.h"

namespace custody {

// Where the chain stands after the last event checked.
struct ChainHead {
  uint64_t next_seq = 0;  // 0: nothing yet, the next event must be the genesis
  Hash32 last_id{};
  TimeNs last_recorded_ns = 0;
  Hash32 ledger_id{};      // the genesis id
  Hash32 genesis_admin{};  // the genesis author
};

enum class RuleKind : uint8_t { kIntegrity, kPolicy };

// One rule of docs/rules.md.
struct Rule {
  const char* id;  // "R7", as the rules table names it
  const char* name;
  RuleKind kind;
  uint32_t since_format;  // the storage format that introduced it
};

// A broken rule that did not stop verification: the event stays, reported.
struct Finding {
  uint64_t seq = 0;
  const Rule* rule = nullptr;
  std::string message;  // "event 12: …", as the refusal at append says it
};

// What the rules remember of an earlier event without reading it again.
struct EventInfo {
  Hash32 id{};
  uint64_t incident = 0;
  fb::Payload type = fb::Payload::NONE;
  uint32_t may_append = 0;  // RolesAllowedToAppend: who may also correct it
  bool pir_record = false;  // a published PIR or a pir.N step: correctable after the close
};
EventInfo InfoOf(const fb::Event& e, const Hash32& id);

class RuleSet {
 public:
  // Answers for the events before the state's own records. Any function left
  // empty is answered from memory (verify sets event and tree_root; a package
  // check and the tests set none).
  struct Lookup {
    std::function<Result<uint64_t>(const Hash32& user)> last_about;  // 0: none
    std::function<Result<bool>(uint64_t seq)> is_incident;
    std::function<Result<EventInfo>(uint64_t seq)> event;
    // The root of a stored checkpoint of that tree size; nullopt if none.
    std::function<Result<std::optional<Hash32>>(uint64_t size)> checkpoint_root;
    // The size of stored evidence content; nullopt if none.
    std::function<Result<std::optional<uint64_t>>(const Hash32& sha256)> blob_size;
    // The event that rotated key out, if one did (R15).
    std::function<Result<std::optional<uint64_t>>(const Hash32& key)> rotated_out;
    // An incident's events so far, folded (projections/incident.h).
    std::function<Result<IncidentState>(uint64_t incident)> incident;
    // The Merkle root of the first `size` events; Rejected if not known (a
    // checkpoint is appended after the events it covers are written).
    std::function<Result<Hash32>(uint64_t size)> tree_root;
  };

  // An empty ledger: the next event must be the genesis.
  RuleSet() = default;
  explicit RuleSet(Lookup lookup) : lookup_(std::move(lookup)) {}
  // Resumes after a stored head, with the members as stored and the ledger's
  // storage format.
  RuleSet(ChainHead head, MemberState members, uint32_t format, Lookup lookup);

  // Checks that e may follow, then applies it. body is e's bytes as signed
  // (the secret scan reads them), id its event id, now_ns the clock of the
  // writer or verifier. Without findings (append), any broken rule is returned
  // and nothing changes. With findings (verify), a broken policy rule — or an
  // integrity rule newer than the ledger's format — is added to *findings and
  // the event applied; a broken integrity rule is returned.
  // REQUIRES: CheckBody(body) passed and e is the event in body.
  Status Append(const fb::Event& e, ByteSpan body, const Hash32& id, TimeNs now_ns,
                std::vector<Finding>* findings);

  // The latest event about user so far (0 = none): what a draft's back-link says.
  Result<uint64_t> LastAbout(const Hash32& user);

  const ChainHead& head() const { return head_; }
  const MemberState& members() const { return members_; }
  uint32_t format() const { return format_; }

  // Events before seq are written: forget what the lookups now answer (bounds
  // memory through a long import, and through verify of a large ledger).
  void ForgetBefore(uint64_t seq);

  // Every incident this state holds, folded as projections/incident.h folds
  // it (in memory from the genesis: every incident; verify compares them
  // with the stored projections).
  void ForEachIncident(const std::function<void(const IncidentState&)>& fn) const;

  // Every rule, in the order of docs/rules.md.
  static const std::vector<const Rule*>& All();

 private:
  struct Incident;  // what the runbook rules read of one incident (rule_set.cc)
  class Checker;

  Result<EventInfo> Info(uint64_t seq);
  Result<std::optional<uint64_t>> RotatedOut(const Hash32& key);
  Result<Incident*> IncidentOf(uint64_t incident);
  void Apply(const fb::Event& e, const Hash32& id);

  ChainHead head_;
  MemberState members_;
  uint32_t format_ = 0;  // from the genesis
  Lookup lookup_;
  // An ordered map: subject keys are chosen by authors, so a hash table keyed
  // on them could be driven into its worst case.
  std::map<Hash32, uint64_t> last_about_;
  std::set<uint64_t> incidents_;            // declarations seen or looked up
  std::map<Hash32, uint64_t> rotated_out_;  // key -> the rotation that retired it
  // Events this state applied (in memory: all of them; resumed: since the
  // last ForgetBefore), by sequence number.
  uint64_t infos_base_ = 0;
  std::vector<EventInfo> infos_;
  std::map<uint64_t, Hash32> checkpoints_;  // tree size -> root
  std::map<Hash32, uint64_t> blob_sizes_;
  std::map<uint64_t, std::shared_ptr<Incident>> incident_states_;
};

}  // namespace custody
