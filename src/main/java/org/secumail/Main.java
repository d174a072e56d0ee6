// SPDX-License-Identifier: Apache-2.0
package org.secumail;

/** Command-line entry point; dispatches to the commands in org.secumail.cli. */
public final class Main {
    private Main() { }

    public static void main(String[] args) {
        // for the log pattern: "secumail/smtpd[PID]: ..." as in Postfix's logs
        System.setProperty("secumail.pid", String.valueOf(ProcessHandle.current().pid()));
        System.exit(org.secumail.cli.SecumailCommand.execute(args));
    }
}
