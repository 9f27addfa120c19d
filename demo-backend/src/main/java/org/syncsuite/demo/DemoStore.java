package org.syncsuite.demo;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;

/**
 * Applies a client's CRUD entries to the demo's source tables, in one database transaction.
 *
 * <p>Conflicts resolve last-write-wins: the entry that reaches the backend last sets the values it
 * carries. A {@code PUT} sets every column (absent ones to their defaults), a {@code PATCH} only
 * the columns it names, so two devices that change different columns of a row keep both changes.
 * A {@code DELETE} of a row already gone succeeds.
 *
 * <p>An entry that breaks a rule (a list of another user, a todo in a list that is not the
 * caller's, a missing required value, a value of the wrong type, an unknown table or column) is
 * refused with its reason and the others are applied: validation errors are not retried.
 */
@ApplicationScoped
public class DemoStore {

    /** Longest text the demo accepts in a name or description. */
    static final int MAX_TEXT = 10_000;

    /** The columns a client may write, per table (the id is the entry's own). */
    private static final Map<String, Set<String>> COLUMNS = Map.of(
            "lists", Set.of("created_at", "name", "owner_id"),
            "todos", Set.of("created_at", "completed_at", "description", "completed", "created_by", "completed_by", "list_id",
                    "photo_id"));

    @PersistenceContext(unitName = "demo")
    private EntityManager em;

    private final Clock clock = Clock.systemUTC();

    /** Thrown inside for an entry that is refused; never leaves this class. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Applies {@code ops} for {@code user}, in order, in one transaction. When the client gives its
     * id and its entries their {@code op_id}, each entry is recorded in {@code upload_ledger} in the
     * same transaction, and an entry found there with the same content is skipped: the upload queue
     * delivers at least once (an upload whose answer was lost is sent again), and skipping keeps
     * a repeated entry from overwriting what another device wrote meanwhile.
     */
    @Transactional
    public UploadResult apply(String user, Optional<String> clientId, List<CrudOp> ops) {
        int applied = 0;
        int duplicates = 0;
        List<UploadResult.Rejection> rejected = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            CrudOp op = ops.get(i);
            try {
                if (user.length() > 255) {
                    throw new Refused("the user id is longer than 255 characters");
                }
                if (clientId.isPresent() && op.opId().isPresent() && !firstDelivery(user, clientId.get(), op)) {
                    duplicates++;
                    continue;
                }
                switch (op.table()) {
                    case "lists" -> list(user, op);
                    case "todos" -> todo(user, op);
                    default -> throw new Refused("unknown table " + op.table() + ": the demo has lists and todos");
                }
                applied++;
            } catch (Refused e) {
                rejected.add(new UploadResult.Rejection(i, op.op().name(), op.table(), op.id(), e.getMessage()));
            }
        }
        return new UploadResult(applied, duplicates, List.copyOf(rejected));
    }

    /**
     * Records the entry in the ledger; false when the ledger already held it with the same content.
     * The same number with other content is a new entry (a client whose queue started over).
     */
    private boolean firstDelivery(String user, String clientId, CrudOp op) {
        String fingerprint = op.fingerprint();
        long opId = op.opId().getAsLong();
        int inserted = em.createNativeQuery("INSERT IGNORE INTO upload_ledger (user_id, client_id, op_id, fingerprint) "
                + "VALUES (?1, ?2, ?3, ?4)").setParameter(1, user).setParameter(2, clientId).setParameter(3, opId)
                .setParameter(4, fingerprint).executeUpdate();
        if (inserted == 1) {
            return true;
        }
        Object known = em.createNativeQuery("SELECT fingerprint FROM upload_ledger WHERE user_id = ?1 AND client_id = ?2 "
                + "AND op_id = ?3 FOR UPDATE").setParameter(1, user).setParameter(2, clientId).setParameter(3, opId)
                .getSingleResult();
        if (fingerprint.equals(known)) {
            return false;
        }
        em.createNativeQuery("UPDATE upload_ledger SET fingerprint = ?4, applied_at = CURRENT_TIMESTAMP(3) WHERE user_id = ?1 "
                + "AND client_id = ?2 AND op_id = ?3").setParameter(1, user).setParameter(2, clientId).setParameter(3, opId)
                .setParameter(4, fingerprint).executeUpdate();
        return true;
    }

    // ---- lists

    private void list(String user, CrudOp op) throws Refused {
        checkId(op.id());
        checkColumns(op);
        TodoList list = em.find(TodoList.class, op.id());
        if (list != null && !list.getOwnerId().equals(user)) {
            throw new Refused("list " + op.id() + " belongs to another user");
        }
        switch (op.op()) {
            case PUT -> {
                boolean created = list == null;
                if (created) {
                    list = new TodoList(op.id());
                }
                list.setName(requiredText(op, "name"));
                list.setOwnerId(owner(user, op));
                list.setCreatedAt(timestamp(op, "created_at", created ? now() : list.getCreatedAt()));
                if (created) {
                    em.persist(list);
                }
            }
            case PATCH -> {
                if (list == null) {
                    throw new Refused("no list " + op.id() + ": it was deleted, or never uploaded");
                }
                Map<String, JsonNode> data = op.data();
                if (data.containsKey("name")) {
                    list.setName(requiredText(op, "name"));
                }
                if (data.containsKey("owner_id")) {
                    list.setOwnerId(owner(user, op));
                }
                if (data.containsKey("created_at")) {
                    list.setCreatedAt(timestamp(op, "created_at", list.getCreatedAt()));
                }
            }
            case DELETE -> {
                if (list != null) {
                    for (Todo todo : em.createQuery("SELECT t FROM Todo t WHERE t.listId = :list", Todo.class)
                            .setParameter("list", list.getId()).getResultList()) {
                        em.remove(todo);
                    }
                    em.remove(list);
                }
            }
        }
    }

    private static String owner(String user, CrudOp op) throws Refused {
        JsonNode owner = op.data().get("owner_id");
        if (owner == null || owner.isNull()) {
            return user;
        }
        if (!owner.isTextual() || !owner.asText().equals(user)) {
            throw new Refused("owner_id must be the signed-in user (" + user + "), not " + owner);
        }
        return user;
    }

    // ---- todos

    private void todo(String user, CrudOp op) throws Refused {
        checkId(op.id());
        checkColumns(op);
        Todo todo = em.find(Todo.class, op.id());
        if (todo != null) {
            ownList(user, todo.getListId(), "todo " + op.id() + " is in list " + todo.getListId() + ", which is not yours");
        }
        Map<String, JsonNode> data = op.data();
        switch (op.op()) {
            case PUT -> {
                boolean created = todo == null;
                String listId = requiredText(op, "list_id");
                ownList(user, listId, "list " + listId + " is not yours, or does not exist");
                if (created) {
                    todo = new Todo(op.id());
                }
                todo.setListId(listId);
                todo.setDescription(requiredText(op, "description"));
                todo.setCompleted(flag(op, "completed"));
                todo.setCreatedAt(timestamp(op, "created_at", created ? now() : todo.getCreatedAt()));
                todo.setCompletedAt(timestamp(op, "completed_at", null));
                todo.setCreatedBy(data.containsKey("created_by") ? optionalText(op, "created_by")
                        : created ? user : todo.getCreatedBy());
                todo.setCompletedBy(optionalText(op, "completed_by"));
                todo.setPhotoId(optionalText(op, "photo_id"));
                if (created) {
                    em.persist(todo);
                }
            }
            case PATCH -> {
                if (todo == null) {
                    throw new Refused("no todo " + op.id() + ": it was deleted, or never uploaded");
                }
                if (data.containsKey("list_id")) {
                    String listId = requiredText(op, "list_id");
                    ownList(user, listId, "list " + listId + " is not yours, or does not exist");
                    todo.setListId(listId);
                }
                if (data.containsKey("description")) {
                    todo.setDescription(requiredText(op, "description"));
                }
                if (data.containsKey("completed")) {
                    todo.setCompleted(flag(op, "completed"));
                }
                if (data.containsKey("created_at")) {
                    todo.setCreatedAt(timestamp(op, "created_at", todo.getCreatedAt()));
                }
                if (data.containsKey("completed_at")) {
                    todo.setCompletedAt(timestamp(op, "completed_at", null));
                }
                if (data.containsKey("created_by")) {
                    todo.setCreatedBy(optionalText(op, "created_by"));
                }
                if (data.containsKey("completed_by")) {
                    todo.setCompletedBy(optionalText(op, "completed_by"));
                }
                if (data.containsKey("photo_id")) {
                    todo.setPhotoId(optionalText(op, "photo_id"));
                }
            }
            case DELETE -> {
                if (todo != null) {
                    em.remove(todo);
                }
            }
        }
    }

    private void ownList(String user, String listId, String reason) throws Refused {
        TodoList list = em.find(TodoList.class, listId);
        if (list == null || !list.getOwnerId().equals(user)) {
            throw new Refused(reason);
        }
    }

    // ---- values

    private static void checkId(String id) throws Refused {
        if (id.length() > 36) {
            throw new Refused("id " + id + " is longer than 36 characters");
        }
    }

    private static void checkColumns(CrudOp op) throws Refused {
        Set<String> columns = COLUMNS.get(op.table());
        for (String column : op.data().keySet()) {
            if (!columns.contains(column)) {
                throw new Refused("unknown column " + op.table() + "." + column);
            }
        }
    }

    private static String requiredText(CrudOp op, String column) throws Refused {
        String text = optionalText(op, column);
        if (text == null || text.isBlank()) {
            throw new Refused(op.table() + "." + column + " is required");
        }
        return text;
    }

    private static String optionalText(CrudOp op, String column) throws Refused {
        return optionalText(op, column, switch (column) {
            case "list_id", "photo_id" -> 36;
            case "owner_id", "created_by", "completed_by" -> 255;
            default -> MAX_TEXT;
        });
    }

    private static String optionalText(CrudOp op, String column, int maxLength) throws Refused {
        JsonNode value = op.data().get(column);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isValueNode() || value.isBinary()) {
            throw new Refused(op.table() + "." + column + " must be text, not " + value);
        }
        String text = value.asText();
        if (text.length() > maxLength) {
            throw new Refused(op.table() + "." + column + " is longer than " + maxLength + " characters");
        }
        return text;
    }

    /** A boolean column: SQLite has none, so clients send 0 or 1 (true and false are taken too). */
    private static boolean flag(CrudOp op, String column) throws Refused {
        JsonNode value = op.data().get(column);
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isIntegralNumber() && (value.asLong() == 0 || value.asLong() == 1)) {
            return value.asLong() == 1;
        }
        if (value.isTextual() && (value.asText().equals("0") || value.asText().equals("1"))) {
            return value.asText().equals("1");
        }
        throw new Refused(op.table() + "." + column + " must be 0 or 1, not " + value);
    }

    /**
     * A date and time as ISO-8601 text (clients keep dates as text): with an offset or {@code Z}
     * it is converted to UTC; without, it is taken as UTC, as the replicator syncs DATETIME.
     */
    private static LocalDateTime timestamp(CrudOp op, String column, LocalDateTime absent) throws Refused {
        JsonNode value = op.data().get(column);
        if (value == null || value.isNull()) {
            return absent;
        }
        String text = value.asText().trim().replace(' ', 'T');
        try {
            if (text.endsWith("Z") || text.matches(".*[+-]\\d\\d:?\\d\\d$")) {
                return OffsetDateTime.parse(text.matches(".*[+-]\\d{4}$")
                        ? text.substring(0, text.length() - 2) + ":" + text.substring(text.length() - 2) : text)
                        .withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime().truncatedTo(ChronoUnit.MILLIS);
            }
            return (text.length() == 10 ? LocalDateTime.parse(text + "T00:00") : LocalDateTime.parse(text))
                    .truncatedTo(ChronoUnit.MILLIS);
        } catch (DateTimeParseException e) {
            throw new Refused(op.table() + "." + column + " must be an ISO-8601 date and time, not " + value);
        }
    }

    private LocalDateTime now() {
        return LocalDateTime.now(clock).truncatedTo(ChronoUnit.MILLIS);
    }
}
