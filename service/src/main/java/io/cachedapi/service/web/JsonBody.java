package io.cachedapi.service.web;

import java.io.IOException;
import java.io.OutputStream;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.stereotype.Component;

/**
 * A JSON body made of byte ranges written one after the other, so that a cached fragment (a page of
 * users is about 100 KB) goes to the socket as it is, never copied into a new array per response.
 */
public record JsonBody(byte[]... parts) {

    long length() {
        long length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        return length;
    }

    /** Writes {@link JsonBody} responses; never reads one. */
    @Component
    static class Converter extends AbstractHttpMessageConverter<JsonBody> {

        Converter() {
            super(MediaType.APPLICATION_JSON);
        }

        @Override
        protected boolean supports(Class<?> type) {
            return JsonBody.class == type;
        }

        @Override
        public boolean canRead(Class<?> type, MediaType mediaType) {
            return false;
        }

        @Override
        protected JsonBody readInternal(Class<? extends JsonBody> type, HttpInputMessage input) {
            throw new HttpMessageNotReadableException("JSON bodies are written, never read", input);
        }

        @Override
        protected Long getContentLength(JsonBody body, MediaType contentType) {
            return body.length();
        }

        @Override
        protected boolean supportsRepeatableWrites(JsonBody body) {
            return true;
        }

        @Override
        protected void writeInternal(JsonBody body, HttpOutputMessage output) throws IOException {
            OutputStream stream = output.getBody();
            for (byte[] part : body.parts()) {
                stream.write(part);
            }
        }
    }
}
