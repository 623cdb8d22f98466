from ossrestore.cli import main

main()
