package dev.sluice.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SigV4Test {

    /** AWS's published example: GET /test.txt with Range bytes=0-9 from examplebucket, 2013-05-24. */
    @Test
    void signsAwsPublishedGetObjectExampleExactly() {
        TreeMap<String, String> headers = new TreeMap<>();
        headers.put("host", "examplebucket.s3.amazonaws.com");
        headers.put("range", "bytes=0-9");
        headers.put("x-amz-content-sha256", SigV4.EMPTY_SHA256);
        headers.put("x-amz-date", "20130524T000000Z");

        String authorization = SigV4.authorization("GET", "/test.txt", "", headers, SigV4.EMPTY_SHA256,
                "us-east-1", "s3", new SigV4.Credentials("AKIAIOSFODNN7EXAMPLE",
                        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null), "20130524T000000Z");

        assertThat(authorization).isEqualTo("AWS4-HMAC-SHA256 "
                + "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    }

    @Test
    void encodesQueryValuesAsSigV4RequiresAndSortsThem() {
        TreeMap<String, String> params = new TreeMap<>();
        params.put("prefix", "models/llama 3+");
        params.put("list-type", "2");

        assertThat(SigV4.canonicalQuery(params)).isEqualTo("list-type=2&prefix=models%2Fllama%203%2B");
        assertThat(SigV4.encode("a b/c~d", true)).isEqualTo("a%20b/c~d");
    }

    @Test
    void credentialsNeverPrintThemselves() {
        assertThat(new SigV4.Credentials("AKIAEXAMPLE", "secret-value", "token").toString())
                .doesNotContain("AKIAEXAMPLE", "secret-value", "token");
    }
}
