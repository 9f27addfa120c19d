package org.syncsuite.core.sql;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.syncsuite.core.SqliteValue;

/**
 * The request values expressions may read: the verified JWT payload ({@code auth.*},
 * {@code request.jwt()}, {@code token_parameters.*}), the connection parameters
 * ({@code connection.*}, {@code request.parameters()}, {@code user_parameters.*}) and, while a
 * subscription is evaluated, its parameters ({@code subscription.*}).
 */
public record RequestParameters(JsonNode jwt, JsonNode connection, Optional<JsonNode> subscription) {

    /** No request at all: what row-side evaluation sees. */
    public static final RequestParameters NONE = new RequestParameters(
            JsonNodeFactory.instance.objectNode(), JsonNodeFactory.instance.objectNode(), Optional.empty());

    public RequestParameters {
        if (!jwt.isObject() || !connection.isObject()) {
            throw new IllegalArgumentException("JWT payload and connection parameters must be JSON objects");
        }
    }

    /** From the JWT payload and connection parameters as JSON object texts. */
    public static RequestParameters of(String jwtJson, String connectionJson) {
        return new RequestParameters(SqlJson.parse(jwtJson), SqlJson.parse(connectionJson), Optional.empty());
    }

    /** The same request while evaluating one subscription with these parameters (a JSON object text, or empty). */
    public RequestParameters withSubscription(Optional<String> parametersJson) {
        JsonNode parameters = parametersJson.map(SqlJson::parse).orElseGet(JsonNodeFactory.instance::objectNode);
        if (!parameters.isObject()) {
            throw new SqlEvaluationException("Subscription parameters must be a JSON object");
        }
        return new RequestParameters(jwt, connection, Optional.of(parameters));
    }

    /** The JWT subject ({@code sub}) as a SQL value. */
    public SqliteValue userId() {
        return SqlJson.asSql(jwt.get("sub"));
    }

    /** The subscription's parameters, or an empty object outside a subscription. */
    public JsonNode subscriptionParameters() {
        return subscription.orElseGet(() -> (ObjectNode) JsonNodeFactory.instance.objectNode());
    }
}
