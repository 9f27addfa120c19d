package org.syncsuite.gateway.auth;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Address ranges a JWKS URI may not resolve to ({@code client_auth.jwks_reject_ip_ranges}): CIDR
 * blocks such as {@code 10.0.0.0/8} or {@code fc00::/7}, single addresses, and {@code local} for
 * loopback, link-local, private and unspecified addresses.
 */
record IpRanges(List<String> ranges) {

    static final IpRanges NONE = new IpRanges(List.of());

    IpRanges {
        ranges = List.copyOf(ranges);
        for (String range : ranges) {
            if (!range.equals("local")) {
                block(range); // fails on a malformed range
            }
        }
    }

    boolean contains(InetAddress address) {
        for (String range : ranges) {
            if (range.equals("local")) {
                if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                        || address.isAnyLocalAddress() || isUniqueLocal(address)) {
                    return true;
                }
            } else if (block(range).contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isUniqueLocal(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == 16 && (bytes[0] & 0xfe) == 0xfc;
    }

    private record Block(byte[] network, int prefix) {
        boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            if (bytes.length != network.length) {
                return false;
            }
            BigInteger mask = BigInteger.ONE.shiftLeft(bytes.length * 8).subtract(BigInteger.ONE)
                    .shiftRight(prefix).not();
            return new BigInteger(1, bytes).and(mask).equals(new BigInteger(1, network).and(mask));
        }
    }

    private static Block block(String range) {
        String[] parts = range.split("/", 2);
        try {
            if (!parts[0].matches("[0-9a-fA-F:.]+")) {
                throw new UnknownHostException(parts[0]);
            }
            byte[] network = InetAddress.getByName(parts[0]).getAddress();
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : network.length * 8;
            if (prefix < 0 || prefix > network.length * 8) {
                throw new NumberFormatException("prefix " + prefix);
            }
            return new Block(network, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                    "client_auth.jwks_reject_ip_ranges: '" + range + "' is not an address range (" + e.getMessage() + ")");
        }
    }

    static IpRanges of(List<String> ranges) {
        return ranges.isEmpty() ? NONE : new IpRanges(new ArrayList<>(ranges));
    }
}
