// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import java.nio.file.Path;
import java.util.Optional;
import org.secumail.table.LookupException;
import org.secumail.table.Tables;

/** Home directories from the system passwd file (for home_mailbox), through the unix:passwd.byname table. */
final class UnixUsers {
    private UnixUsers() { }

    static Optional<Path> home(String user) {
        try {
            Optional<String> line = Tables.open("unix:passwd.byname", Path.of("/")).lookup(user);
            if (line.isEmpty()) return Optional.empty();
            String[] f = line.get().split(":", -1);
            return f.length >= 6 && !f[5].isEmpty() ? Optional.of(Path.of(f[5])) : Optional.empty();
        } catch (LookupException e) {
            return Optional.empty();
        }
    }
}
