from pafinder.cli import main

main()
