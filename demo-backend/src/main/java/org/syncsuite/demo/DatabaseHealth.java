package org.syncsuite.demo;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the demo database answers and holds the demo's tables. */
@Readiness
@ApplicationScoped
public class DatabaseHealth implements HealthCheck {

    @PersistenceContext(unitName = "demo")
    private EntityManager em;

    @Override
    @Transactional
    public HealthCheckResponse call() {
        try {
            long lists = em.createQuery("SELECT COUNT(l) FROM TodoList l", Long.class).getSingleResult();
            return HealthCheckResponse.named("demo-database").up().withData("lists", lists).build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.named("demo-database").down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
