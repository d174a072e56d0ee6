// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RestrictionsDocTest {
    @Test
    void docsListEveryRegisteredRestriction() throws Exception {
        assertThat(Files.readString(Path.of("docs/restrictions.md")))
                .as("docs/restrictions.md is out of date: regenerate it with RestrictionsDoc")
                .isEqualTo(RestrictionsDoc.markdown());
    }
}
