package org.syncsuite.attachments;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

import org.eclipse.microprofile.auth.LoginConfig;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/** The attachments REST API, with client JWTs checked by MicroProfile JWT. */
@ApplicationScoped
@ApplicationPath("/")
@LoginConfig(authMethod = "MP-JWT")
@OpenAPIDefinition(info = @Info(title = "Attachments service", version = "1",
        description = "Files beside the synced data: streamed uploads and downloads, presigned URLs, on S3-compatible storage"))
public class AttachmentsApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(AttachmentsResource.class, ErrorMappers.Refused.class, ErrorMappers.Storage.class, ErrorMappers.Other.class,
                RequestChecks.Framing.class, RequestChecks.TokenTimes.class);
    }
}
