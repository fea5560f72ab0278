package dev.sessionfilter.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 9 item 7: which Redis error replies get the outage behaviour (real OOM is in HardeningIT). */
class NotServingTest {
    @Test
    void outageStates_areRecognised_andCommandErrorsAreNot() {
        for (String reply : new String[] {"OOM command not allowed when used memory > 'maxmemory'.",
                "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
                "LOADING Redis is loading the dataset in memory", "READONLY You can't write against a read only replica.",
                "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
                "CLUSTERDOWN The cluster is down", "MASTERDOWN Link with MASTER is down", "TRYAGAIN Multiple keys request",
                "NOREPLICAS Not enough good replicas to write."}) {
            assertTrue(JedisRedisApi.notServing(reply), reply);
        }
        for (String reply : new String[] {"ERR wrong number of arguments", "WRONGTYPE Operation against a key",
                "NOSCRIPT No matching script", "NOPERM this user has no permissions"}) {
            assertFalse(JedisRedisApi.notServing(reply), reply);
        }
    }
}
