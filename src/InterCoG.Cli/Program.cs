// A long-running server caps glibc's malloc arenas before any request thread exists (see MallocArenas).
if (args.Length > 0 && args[0] == "serve") InterCoG.Web.MallocArenas.Limit(InterCoG.Web.MallocArenas.ServerCount);
return InterCoG.Cli.CliApp.Run(args, Console.Out, Console.Error);
