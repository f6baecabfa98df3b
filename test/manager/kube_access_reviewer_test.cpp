// KubeAccessReviewer (the reviews of --metrics-secure) against steward-testapi over real sockets:
// the TokenReview and SubjectAccessReview bodies it sends and the answers it reads, as
// kube-apiserver 1.20 gives them (test/apiserver/reviews.hpp imitates it).
#include <catch2/catch.hpp>

#include <memory>

#include "kube/client.hpp"
#include "kube/kubeconfig.hpp"
#include "manager/metrics_auth.hpp"
#include "support/async.hpp"
#include "support/testapi_admin.hpp"
#include "support/testapi_process.hpp"

using namespace steward;

namespace {

struct Env {
  test::TestApiServer server{{"--user", "prom-t0ken,prometheus,prometheus-uid,scrapers",
                              "--user", "nobody-t0ken,nobody,nobody-uid"}};
  test::Loop loop;
  std::unique_ptr<kube::Client> client;
  std::unique_ptr<manager::KubeAccessReviewer> reviewer;

  // A standby replica's client: its writes are fenced (leader election), its reviews are not.
  kube::WriteFence fence{false};

  Env() {
    kube::KubeconfigOptions options;
    options.explicit_path = server.kubeconfig();
    client = std::make_unique<kube::Client>(loop.io, kube::load_kubeconfig(options),
                                            kube::ClientOptions{.fence = &fence});
    reviewer = std::make_unique<manager::KubeAccessReviewer>(*client);
  }

  void post(const std::string& target, const std::string& body) {
    // The test's own writes (RBAC objects) are a leader's.
    fence.open();
    const kube::Reply reply = loop.sync(client->request(kube::HttpRequest{
        .method = "POST", .target = target, .content_type = "application/json", .body = body}));
    fence.close();
    INFO(reply.response.body);
    REQUIRE(reply.ok());
  }
};

}  // namespace

TEST_CASE("KubeAccessReviewer reads who a token is, and that a made-up one is no one, writes fenced or not") {
  Env env;
  const manager::TokenReviewResult who = env.loop.sync(env.reviewer->review_token("prom-t0ken"));
  REQUIRE_FALSE(who.error);
  CHECK(who.authenticated);
  CHECK(who.user.username == "prometheus");
  CHECK(who.user.uid == "prometheus-uid");
  CHECK(who.user.groups == std::vector<std::string>{"scrapers", "system:authenticated"});
  const manager::TokenReviewResult nobody = env.loop.sync(env.reviewer->review_token("made-up"));
  CHECK_FALSE(nobody.error);
  CHECK_FALSE(nobody.authenticated);
  CHECK(nobody.user.username.empty());
}

TEST_CASE("KubeAccessReviewer asks whether a user may get /metrics with its name and groups") {
  Env env;
  const manager::UserInfo prometheus{"prometheus", "prometheus-uid", {"scrapers"}, {}};
  manager::AccessReviewResult access =
      env.loop.sync(env.reviewer->review_access(prometheus, "get", "/metrics"));
  REQUIRE_FALSE(access.error);
  CHECK_FALSE(access.allowed);
  env.post("/apis/rbac.authorization.k8s.io/v1/clusterroles",
           R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"steward-metrics-reader"},"rules":[{"nonResourceURLs":["/metrics"],"verbs":["get"]}]})");
  // Bound to the group: the groups must travel in the review.
  env.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
           R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"scrapers"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"steward-metrics-reader"},"subjects":[{"kind":"Group","name":"scrapers"}]})");
  access = env.loop.sync(env.reviewer->review_access(prometheus, "get", "/metrics"));
  REQUIRE_FALSE(access.error);
  CHECK(access.allowed);
  CHECK(access.reason ==
        R"(RBAC: allowed by ClusterRoleBinding "scrapers" of ClusterRole "steward-metrics-reader" to Group "scrapers")");
  // The verb and the path travel too.
  CHECK_FALSE(env.loop.sync(env.reviewer->review_access(prometheus, "post", "/metrics")).allowed);
  CHECK_FALSE(env.loop.sync(env.reviewer->review_access(prometheus, "get", "/metricz")).allowed);
  const manager::UserInfo nobody{"nobody", "nobody-uid", {"system:authenticated"}, {}};
  CHECK_FALSE(env.loop.sync(env.reviewer->review_access(nobody, "get", "/metrics")).allowed);
}

TEST_CASE("KubeAccessReviewer reports a review the API server refused as an error, not a verdict",
          "[testapi]") {
  Env env;
  REQUIRE(env.loop
              .sync(test::post_faults(
                  *env.client,
                  R"({"failRequests":[{"method":"POST","path":"/apis/authentication.k8s.io/v1/tokenreviews","code":403},{"method":"POST","path":"/apis/authorization.k8s.io/v1/subjectaccessreviews","code":403}]})"))
              .ok());
  const manager::TokenReviewResult who = env.loop.sync(env.reviewer->review_token("prom-t0ken"));
  REQUIRE(who.error);
  CHECK(who.error->find("TokenReview: ") == 0);
  CHECK(who.error->find("prom-t0ken") == std::string::npos);
  const manager::AccessReviewResult access = env.loop.sync(
      env.reviewer->review_access({"prometheus", "", {}, {}}, "get", "/metrics"));
  REQUIRE(access.error);
  CHECK_FALSE(access.allowed);
}
