package io.cachedapi.service.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** The problems the API raises itself (the framework's own ones are answered by {@link ProblemHandling}). */
public final class Problems {

    private Problems() {
    }

    public static ErrorResponseException notFound(String what, long id) {
        return problem(HttpStatus.NOT_FOUND, "Not Found", what + " " + id + " does not exist");
    }

    public static ErrorResponseException conflict(String detail) {
        return problem(HttpStatus.CONFLICT, "Conflict", detail);
    }

    private static ErrorResponseException problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return new ErrorResponseException(status, problem, null);
    }
}
