from shanhai.cli import main

main()
