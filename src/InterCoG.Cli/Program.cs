return InterCoG.Cli.CliApp.Run(args, Console.Out, Console.Error);
