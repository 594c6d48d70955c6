package io.tradepulse.testsupport;

import io.tradepulse.embedded.EmbeddedKafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ACL helpers for tests against a broker with an authorizer ({@link EmbeddedKafka#authorizerConfig}): AclPipelineIT,
 * MutualTlsPipelineIT (modules/launcher), ConnectWorkerAclIT (modules/connect-runner).
 */
public final class Acls {
    private static final Duration VISIBLE_TIMEOUT = Duration.ofSeconds(30);

    private Acls() {
    }

    /** ALLOW bindings for {@code User:<user>}, from any host, one per operation. */
    public static List<AclBinding> allow(String user, ResourceType type, String name, PatternType pattern,
            AclOperation... operations) {
        List<AclBinding> out = new ArrayList<>();
        for (AclOperation op : operations) {
            out.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
        }
        return out;
    }

    /** Creates {@code acls} as the principal of {@code adminClient} and waits until the broker enforces them. */
    public static void create(Map<String, Object> adminClient, List<AclBinding> acls) throws Exception {
        try (Admin admin = Admin.create(adminClient)) {
            admin.createAcls(acls).all().get();
            // The controller has committed them; the broker's authorizer applies them from the metadata log a
            // moment later, and an authorization error is not retried by clients. DescribeAcls answers from
            // the broker's authorizer, so wait until it lists every binding.
            long deadline = System.nanoTime() + VISIBLE_TIMEOUT.toNanos();
            while (!admin.describeAcls(AclBindingFilter.ANY).values().get().containsAll(acls)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("ACLs not visible to the broker's authorizer after " + VISIBLE_TIMEOUT);
                }
                Thread.sleep(50);
            }
        }
    }
}
