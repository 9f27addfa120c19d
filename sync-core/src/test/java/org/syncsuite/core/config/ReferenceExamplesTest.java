package org.syncsuite.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.InclusionReason;

/** The complete examples of the reference (§2.6 A and §4.7), with the bucket ids it gives. */
class ReferenceExamplesTest {

    private static SyncPlan compile(String yaml, long version) {
        return SyncConfigCompiler.compile(SyncConfigReader.read("sync-config.yaml", yaml),
                new SyncConfigCompiler.Options(version, Optional.empty()));
    }

    @Test
    void legacyExampleA_globalBucketAndItsChecksums() {
        SyncPlan plan = compile("""
                bucket_definitions:
                  mybucket:
                    data: [SELECT * FROM test]
                """, 1);
        TestStore store = new TestStore(plan);
        BucketPlacement t1 = store.put("test", "id", "t1", "description", "Test 1").placements().getFirst();
        BucketPlacement t2 = store.put("test", "id", "t2", "description", "Test 2").placements().getFirst();
        assertThat(t1.bucket()).isEqualTo("mybucket[]"); // edition 1: bucket ids are not versioned
        assertThat(t1.objectType()).isEqualTo("test");
        assertThat(t1.data()).isEqualTo("{\"id\":\"t1\",\"description\":\"Test 1\"}");
        long bucket = Checksums.add(Checksums.put(t1.objectType(), t1.objectId(), t1.data()),
                Checksums.put(t2.objectType(), t2.objectId(), t2.data()));
        assertThat(Checksums.toSigned(bucket)).isEqualTo(-93886621);
        assertThat(store.bucketsFor("{\"sub\":\"anyone\"}", "{}")).containsExactly("mybucket[]");
    }

    @Test
    void example1_fieldService() {
        SyncPlan plan = compile("""
                config:
                  edition: 3
                streams:
                  my_profile:
                    auto_subscribe: true
                    priority: 0
                    query: SELECT id, name, email, region FROM technicians WHERE id = auth.user_id()
                  my_jobs:
                    auto_subscribe: true
                    priority: 1
                    query: |
                      SELECT * FROM jobs
                      WHERE assigned_to = auth.user_id() AND status != 'archived'
                  job_details:
                    with:
                      my_job_ids: SELECT id FROM jobs WHERE assigned_to = auth.user_id()
                    queries:
                      - SELECT * FROM job_notes WHERE job_id = subscription.parameter('job_id') AND job_id IN my_job_ids
                      - SELECT id, job_id, base64(thumbnail) AS thumbnail FROM job_photos
                          WHERE job_id = subscription.parameter('job_id') AND job_id IN my_job_ids
                """, 5);
        assertThat(plan.warnings()).isEmpty();
        TestStore store = new TestStore(plan);
        assertThat(store.put("technicians", "id", "u1", "name", "Ann", "email", "a@x", "region", "eu", "salary", 9L)
                .placements()).singleElement().satisfies(p -> {
                    assertThat(p.bucket()).isEqualTo("5#my_profile|0[\"u1\"]");
                    assertThat(p.data()).isEqualTo("{\"id\":\"u1\",\"name\":\"Ann\",\"email\":\"a@x\",\"region\":\"eu\"}");
                });
        assertThat(store.put("jobs", "id", "j1", "assigned_to", "u1", "status", "open").placements())
                .extracting(BucketPlacement::bucket).containsExactly("5#my_jobs|0[\"u1\"]");
        store.put("jobs", "id", "j2", "assigned_to", "u2", "status", "open");
        assertThat(store.bucketsOf("jobs", "id", "j3", "assigned_to", "u1", "status", "archived")).isEmpty();
        assertThat(store.put("job_notes", "id", "n1", "job_id", "j1").placements())
                .extracting(BucketPlacement::bucket).containsExactly("5#job_details|0[\"j1\"]");
        assertThat(store.put("job_photos", "id", "ph1", "job_id", "j1", "thumbnail", "png").placements().getFirst().data())
                .isEqualTo("{\"id\":\"ph1\",\"job_id\":\"j1\",\"thumbnail\":\"cG5n\"}");

        BucketResolution defaults = store.resolve("{\"sub\":\"u1\"}", "{}");
        assertThat(defaults.buckets()).extracting(ResolvedBucket::bucket, ResolvedBucket::priority)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("5#my_profile|0[\"u1\"]", 0),
                        org.assertj.core.groups.Tuple.tuple("5#my_jobs|0[\"u1\"]", 1));
        // On demand: only a job assigned to the user (subscription value intersected with the lookup).
        assertThat(store.bucketsFor("{\"sub\":\"u1\"}", "{}", "job_details", "{\"job_id\":\"j1\"}"))
                .contains("5#job_details|0[\"j1\"]");
        assertThat(store.bucketsFor("{\"sub\":\"u1\"}", "{}", "job_details", "{\"job_id\":\"j2\"}"))
                .doesNotContain("5#job_details|0[\"j2\"]");
    }

    @Test
    void example2_multiTenantSaas() {
        SyncPlan plan = compile("""
                config:
                  edition: 3
                  timestamp_max_precision: milliseconds
                with:
                  my_teams: SELECT team_id FROM team_members WHERE user_id = auth.user_id()
                streams:
                  currencies:
                    auto_subscribe: true
                    query: SELECT code AS id, name, decimals FROM currencies
                  tenant_settings:
                    auto_subscribe: true
                    query: SELECT * FROM tenant_settings WHERE tenant_id = auth.parameter('tenant_id')
                  team_invoices:
                    auto_subscribe: true
                    query: |
                      SELECT invoices.* FROM invoices
                        INNER JOIN projects ON invoices.project_id = projects.id
                      WHERE projects.team_id IN my_teams
                        AND invoices.tenant_id = auth.parameter('tenant_id')
                  admin_audit:
                    query: SELECT * FROM audit_log WHERE tenant_id = auth.parameter('tenant_id') AND auth.parameter('role') = 'admin'
                """, 1);
        TestStore store = new TestStore(plan);
        assertThat(store.put("currencies", "code", "EUR", "name", "Euro", "decimals", 2L).placements())
                .singleElement().satisfies(p -> {
                    assertThat(p.bucket()).isEqualTo("1#currencies|0[]");
                    assertThat(p.objectId()).isEqualTo("EUR");
                    assertThat(p.data()).isEqualTo("{\"id\":\"EUR\",\"name\":\"Euro\",\"decimals\":2}");
                });
        assertThat(store.bucketsOf("tenant_settings", "id", "s1", "tenant_id", "t1")).containsExactly("1#tenant_settings|0[\"t1\"]");
        assertThat(store.put("invoices", "id", "i1", "project_id", "p1", "tenant_id", "t1").placements())
                .extracting(BucketPlacement::bucket).containsExactly("1#team_invoices|0[\"t1\",\"p1\"]");
        store.put("team_members", "id", "m1", "user_id", "u1", "team_id", "team-a");
        store.put("projects", "id", "p1", "team_id", "team-a");
        store.put("projects", "id", "p2", "team_id", "team-b");

        assertThat(store.bucketsFor("{\"sub\":\"u1\",\"tenant_id\":\"t1\"}", "{}")).containsExactly(
                "1#currencies|0[]", "1#tenant_settings|0[\"t1\"]", "1#team_invoices|0[\"t1\",\"p1\"]");
        // A token without tenant_id gets no tenant bucket: a NULL request value never matches.
        assertThat(store.bucketsFor("{\"sub\":\"u1\"}", "{}")).containsExactly("1#currencies|0[]");
        // admin_audit is gated on the role claim.
        assertThat(store.bucketsFor("{\"sub\":\"u1\",\"tenant_id\":\"t1\",\"role\":\"admin\"}", "{}", "admin_audit", null))
                .contains("1#admin_audit|0[\"t1\"]");
        assertThat(store.bucketsFor("{\"sub\":\"u1\",\"tenant_id\":\"t1\",\"role\":\"dev\"}", "{}", "admin_audit", null))
                .noneMatch(b -> b.contains("admin_audit"));
    }

    @Test
    void example3_chatWithTwoQueriersInOneFamily() {
        SyncPlan plan = compile("""
                config:
                  edition: 3
                streams:
                  conversations:
                    auto_subscribe: true
                    query: |
                      SELECT * FROM conversations
                      WHERE id IN (SELECT conversation_id FROM participants WHERE user_id = auth.user_id())
                         OR id IN auth.parameter('support_conversation_ids')
                  messages:
                    priority: 2
                    query: |
                      SELECT * FROM messages
                      WHERE conversation_id = subscription.parameter('conversation_id')
                        AND conversation_id IN (SELECT conversation_id FROM participants WHERE user_id = auth.user_id())
                """, 1);
        TestStore store = new TestStore(plan);
        assertThat(store.put("conversations", "id", "c1", "title", "Hi").placements())
                .extracting(BucketPlacement::bucket).containsExactly("1#conversations|0[\"c1\"]");
        store.put("participants", "id", "x1", "user_id", "u1", "conversation_id", "c1");
        assertThat(store.bucketsOf("messages", "id", "m1", "conversation_id", "c1")).containsExactly("1#messages|0[\"c1\"]");

        assertThat(store.bucketsFor("{\"sub\":\"u1\",\"support_conversation_ids\":[\"c9\",\"c1\"]}", "{}"))
                .containsExactly("1#conversations|0[\"c1\"]", "1#conversations|0[\"c9\"]");
        BucketResolution messages = store.resolve("{\"sub\":\"u1\"}", "{}", "messages", "{\"conversation_id\":\"c1\"}");
        assertThat(messages.buckets()).filteredOn(b -> b.bucket().contains("messages")).singleElement().satisfies(b -> {
            assertThat(b.bucket()).isEqualTo("1#messages|0[\"c1\"]");
            assertThat(b.priority()).isEqualTo(2);
            assertThat(b.reasons()).containsExactly(new InclusionReason.Subscription(0));
        });
        assertThat(store.bucketsFor("{\"sub\":\"u2\"}", "{}", "messages", "{\"conversation_id\":\"c1\"}")).isEmpty();
    }

    @Test
    void example4_connectionParameterAndRowFilter() {
        SyncPlan plan = compile("""
                config:
                  edition: 3
                streams:
                  recent_orders:
                    auto_subscribe: true
                    accept_potentially_dangerous_queries: true
                    query: |
                      SELECT id, customer_id, total, created_at FROM orders
                      WHERE customer_id = auth.user_id()
                        AND region = connection.parameter('region')
                        AND status NOT IN '["cancelled","draft"]'
                """, 7);
        assertThat(plan.warnings()).isEmpty();
        TestStore store = new TestStore(plan);
        assertThat(store.bucketsOf("orders", "id", "o1", "customer_id", "u1", "region", "eu", "status", "paid",
                "total", 9.5, "created_at", "2024-01-02T03:04:05.000Z")).containsExactly("7#recent_orders|0[\"eu\",\"u1\"]");
        assertThat(store.bucketsOf("orders", "id", "o2", "customer_id", "u1", "region", "eu", "status", "draft")).isEmpty();
        assertThat(store.bucketsFor("{\"sub\":\"u1\"}", "{\"region\":\"eu\"}")).containsExactly("7#recent_orders|0[\"eu\",\"u1\"]");
    }
}
