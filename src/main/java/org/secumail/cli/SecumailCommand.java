// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level "secumail" command; each sub-command is a class of its own in this package. */
@Command(name = "secumail", mixinStandardHelpOptions = true, version = "SecuMail 0.1",
        description = "A secure mail server that reads Postfix's main.cf and master.cf.",
        subcommands = {RunCommand.class, ConfigCommand.class, QueueCommand.class, PolicydCommand.class, SpfCommand.class, DkimCommand.class, DmarcCommand.class, GreylistCommand.class, LoadgenCommand.class, PwCommand.class, UserCommand.class, ScanCommand.class, ClamdCommand.class, SpamCommand.class, SpamdCommand.class, MilterCommand.class, FilterCommand.class, BayesCommand.class, ReloadCommand.class, ExplainCommand.class, ReplayCommand.class, CommandLine.HelpCommand.class})
public final class SecumailCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static int execute(String[] args) {
        return new CommandLine(new SecumailCommand()).execute(args);
    }
}
