package org.syncsuite.demo;

import java.util.List;

/**
 * What the backend did with a batch: how many entries it applied, how many it had applied before
 * (the same entry of the same client, uploaded again after an answer was lost), and each entry it
 * refused with the reason. Refusals are answered 2xx so that the client's queue goes on; the client's local
 * change is then replaced by the server's row at its next checkpoint.
 */
record UploadResult(int applied, int duplicates, List<Rejection> rejected) {

    record Rejection(int index, String op, String type, String id, String reason) {
    }
}
