// The wire protocol's encodings (net/protocol.h): each parses back what was
// encoded, and refuses what is malformed.
#include "net/protocol.h"

#include <catch2/catch.hpp>

#include "ledger/base/encoding.h"

using namespace custody;
using namespace custody::proto;

TEST_CASE("Protocol: framed event streams round-trip and refuse truncation", "[protocol]") {
  std::string s;
  AppendFramed(AsSpan(std::string("abc")), &s);
  AppendFramed(AsSpan(std::string("z")), &s);
  auto events = ParseFramed(s, 10);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 2);
  CHECK(std::string(events->at(0).begin(), events->at(0).end()) == "abc");
  CHECK_FALSE(ParseFramed(s.substr(0, s.size() - 1), 10).ok());
  CHECK_FALSE(ParseFramed(s.substr(0, 2), 10).ok());
  CHECK_FALSE(ParseFramed(s, 1).ok());                            // more events than allowed
  CHECK_FALSE(ParseFramed(std::string("\0\0\0\0", 4), 10).ok());  // an empty event
  CHECK(ParseFramed("", 10)->empty());
}

TEST_CASE("Protocol: leases, answers, promises and errors round-trip", "[protocol]") {
  LeaseRequest r{3, {Hash32{1}, Hash32{2}}};
  auto r2 = ParseLeaseRequest(EncodeLeaseRequest(r));
  REQUIRE(r2.ok());
  CHECK(r2->count == 3);
  CHECK(r2->subjects == r.subjects);
  CHECK_FALSE(ParseLeaseRequest("{\"count\":0,\"subjects\":[]}").ok());
  CHECK_FALSE(ParseLeaseRequest("{\"count\":1}").ok());
  CHECK_FALSE(ParseLeaseRequest("{\"count\":1,\"subjects\":[\"zz\"]}").ok());
  CHECK_FALSE(ParseLeaseRequest("[1]").ok());

  Lease l;
  l.token = "ab";
  l.count = 2;
  l.pos = {7, Hash32{3}, Hash32{4}, 123456789};
  l.format = 4;
  l.last_about[Hash32{5}] = 6;
  auto l2 = ParseLease(EncodeLease(l));
  REQUIRE(l2.ok());
  CHECK(l2->pos.seq == 7);
  CHECK(l2->pos.prev_id == Hash32{4});
  CHECK(l2->pos.recorded_ns == 123456789);
  CHECK(l2->last_about.at(Hash32{5}) == 6);

  auto notary = SecretKey::Generate().value();
  Promise p{"custody/" + std::string(64, 'a'), 10, 5, Hash32{9}};
  auto note = SignPromise(notary, p).value();
  auto back = VerifyPromise(note, notary.public_key());
  REQUIRE(back.ok());
  CHECK(back->first == 10);
  CHECK(back->count == 5);
  CHECK(back->last_id == Hash32{9});
  auto other = SecretKey::Generate().value();
  CHECK_FALSE(VerifyPromise(note, other.public_key()).ok());
  std::string tampered = note;
  tampered.replace(tampered.find("first 10"), 8, "first 11");
  CHECK_FALSE(VerifyPromise(tampered, notary.public_key()).ok());

  AppendAnswer a{10, 5, Hash32{9}, 42, note};
  auto a2 = ParseAppendAnswer(EncodeAppendAnswer(a));
  REQUIRE(a2.ok());
  CHECK(a2->first == 10);
  CHECK(a2->last_id == Hash32{9});

  // A refusal keeps its code and message across the wire.
  Status refused = Status::Rejected("event 7: not allowed");
  Status back_status = DecodeError(HttpStatusOf(refused), EncodeError(refused));
  CHECK(back_status.IsRejected());
  CHECK(back_status.message() == "event 7: not allowed");
  CHECK(DecodeError(401, "not json").IsUnauthorized());
  CHECK(DecodeError(503, "").IsBusy());
  CHECK(DecodeError(500, "").IsIOError());
}

TEST_CASE("Protocol: targets and their query parameters", "[protocol]") {
  auto t = ParseTarget("/v1/events?from=3&limit=10");
  REQUIRE(t.ok());
  CHECK(t->path == "/v1/events");
  CHECK(t->params.at("from") == 3);
  CHECK(t->params.at("limit") == 10);
  CHECK(ParseTarget("/healthz")->params.empty());
  CHECK_FALSE(ParseTarget("/v1/events?from=-1").ok());
  CHECK_FALSE(ParseTarget("/v1/events?from=01").ok());
  CHECK_FALSE(ParseTarget("/v1/events?from=1&from=2").ok());
  CHECK_FALSE(ParseTarget("/v1/events?from").ok());
  CHECK_FALSE(ParseTarget("/v1/events?from=99999999999999999999999").ok());
}
