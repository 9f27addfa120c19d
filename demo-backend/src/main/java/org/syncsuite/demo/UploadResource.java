package org.syncsuite.demo;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * {@code POST /api/data}: the app's {@code uploadData} sends its upload queue here, one CRUD
 * transaction (or batch) per request, with the same JWT it syncs with. The answer is 200 with
 * {@code {"applied": n, "duplicates": d, "rejected": [{"index", "op", "type", "id", "reason"}]}}:
 * refused entries are reported, not retried; entries applied by an earlier upload of the same
 * batch (its answer lost) are counted and skipped. 400 is a body that is not a batch, 401 a missing or invalid token,
 * 503 the database out of reach (the client retries).
 */
@RequestScoped
@Path("/api/data")
public class UploadResource {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    JsonWebToken token;

    @Inject
    DemoStore store;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response upload(String body) throws JsonProcessingException {
        String user = token.getSubject();
        if (user == null || user.isEmpty()) {
            return ErrorMappers.error(Response.Status.UNAUTHORIZED, "NO_SUBJECT", "The token has no sub claim");
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new CrudOp.MalformedBatchException("The body is not JSON: " + e.getOriginalMessage());
        }
        List<CrudOp> ops = CrudOp.batch(json);
        UploadResult result = store.apply(user, CrudOp.clientId(json), ops);
        return Response.ok(JSON.writeValueAsString(result), MediaType.APPLICATION_JSON_TYPE).build();
    }
}
