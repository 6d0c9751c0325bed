import ForgeCLI
ForgeCommand.main()
