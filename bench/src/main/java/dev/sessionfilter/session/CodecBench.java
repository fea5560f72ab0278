package dev.sessionfilter.session;

import dev.sessionfilter.crypto.Keysets;
import dev.sessionfilter.crypto.Sealer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What one attribute costs the JVM, per step: encoding (JSON-B with type tags), decoding, AEAD sealing
 * (Tink AES-256-GCM) and opening, for the values of bench/throughput.sh's workload. Run with bench/jmh.sh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBench {
    @Param({"integer", "string-1k", "list-10x100"})
    public String value;

    private AttributeCodec codec;
    private Sealer sealer;
    private Object object;
    private byte[] json;
    private byte[] sealed;
    private final byte[] ad = "sessionfilter:bench\nHASH\na:FIELD".getBytes(StandardCharsets.UTF_8);

    @Setup
    public void setup() throws Exception {
        codec = new AttributeCodec(List.of(), CodecBench.class.getClassLoader());
        sealer = new Sealer(Keysets.aead(Keysets.generate()));
        object = switch (value) {
            case "integer" -> 42;
            case "string-1k" -> "alice@example.com " + "x".repeat(1000);
            default -> {
                List<String> l = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    l.add("item " + i + " " + "x".repeat(93));
                }
                yield l;
            }
        };
        json = codec.encode(object);
        sealed = sealer.seal(json, ad);
    }

    @Benchmark
    public byte[] encode() {
        return codec.encode(object);
    }

    @Benchmark
    public Object decode() {
        return codec.decode(json);
    }

    @Benchmark
    public byte[] seal() {
        return sealer.seal(json, ad);
    }

    @Benchmark
    public byte[] open() {
        return sealer.open(sealed, ad);
    }

    /** What a changed attribute costs at commit. */
    @Benchmark
    public byte[] encodeAndSeal() {
        return sealer.seal(codec.encode(object), ad);
    }

    /** What a read attribute costs without the near cache. */
    @Benchmark
    public Object openAndDecode() {
        return codec.decode(sealer.open(sealed, ad));
    }
}
