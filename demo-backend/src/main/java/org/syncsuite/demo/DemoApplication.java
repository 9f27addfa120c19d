package org.syncsuite.demo;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

import org.eclipse.microprofile.auth.LoginConfig;

/** The demo backend's REST API: every resource needs a client JWT (MicroProfile JWT) unless marked otherwise. */
@ApplicationScoped
@ApplicationPath("/")
@LoginConfig(authMethod = "MP-JWT")
public class DemoApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(UploadResource.class, ErrorMappers.MalformedBatch.class, ErrorMappers.Database.class);
    }
}
